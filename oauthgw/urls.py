"""The gateway's routes: /o/* (authorization server), /oidc/* (upstream login), /.well-known/*.

Names stay in DOT's `oauth2_provider` namespace, which its metadata views reverse to build the
endpoint URLs they publish.
"""

from __future__ import annotations

from django.urls import include, path, re_path
from oauth2_provider import views as dot_views

from oauthgw import linking, registration, upstream, views

oauth_patterns = [
    path("o/authorize/", views.AuthorizeView.as_view(), name="authorize"),
    path("o/token/", views.GatewayTokenView.as_view(), name="token"),
    path("o/revoke_token/", views.GatewayRevokeView.as_view(), name="revoke-token"),
    path("o/introspect/", views.IntrospectView.as_view(), name="introspect"),
    path("o/register/", registration.RegistrationView.as_view(), name="dcr-register"),
    path(
        "o/register/<str:client_id>/",
        registration.RegistrationManagementView.as_view(),
        name="dcr-register-management",
    ),
    path(".well-known/oauth-authorization-server", views.GatewayMetadataView.as_view(), name="oauth-server-metadata"),
    re_path(r"^\.well-known/openid-configuration$", views.GatewayMetadataView.as_view(), name="openid-configuration"),
    # RFC 9728 section 3.3: a document's `resource` is the URL it was fetched under minus the well-known part, so
    # the only document is /mcp's; there is no root one (it would have to name this server's root as a resource).
    path(
        ".well-known/oauth-protected-resource/mcp",
        dot_views.OAuthProtectedResourceMetadataView.as_view(),
        name="oauth-resource-metadata",
    ),
]

urlpatterns = [
    path("", include((oauth_patterns, "oauth2_provider"), namespace="oauth2_provider")),
    path("oidc/", include("mozilla_django_oidc.urls")),
    path("oidc/failed/", upstream.login_failed, name="oauthgw-login-failed"),
    path("oidc/link/", linking.start_link, name="oauthgw-link"),
]
