// A real OpenID Connect provider for the integration tests (panva/oidc-provider, certified).
// Its development login and consent pages accept any login name; the account's email is
// <login>@example.com. Configured from the environment by tests/oauth/provider.py.
import Provider from 'oidc-provider';

const port = Number(process.env.PROVIDER_PORT);
const issuer = `http://127.0.0.1:${port}`;

const configuration = {
  clients: [{
    client_id: process.env.CLIENT_ID,
    client_secret: process.env.CLIENT_SECRET,
    redirect_uris: [process.env.REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
  // login_id makes every ID token unique, even two issued in the same second (tests tell them apart).
  claims: { openid: ['sub', 'login_id'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
  // Kubernetes reads the username and groups from the ID token itself, as Dex puts them there.
  conformIdTokenClaims: false,
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id, email: `${id}@example.com`, email_verified: true, name: id, groups: ['developers'],
          login_id: crypto.randomUUID(),
        };
      },
    };
  },
  async issueRefreshToken(ctx, client) {
    return client.grantTypeAllowed('refresh_token');
  },
  // Like Dex: every refresh token is single-use, and replaying a spent one is refused.
  rotateRefreshToken: true,
  ttl: { IdToken: Number(process.env.ID_TOKEN_TTL || 3600), AccessToken: 3600 },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['kubemcp-test-provider-cookie-key'] },
};

const provider = new Provider(issuer, configuration);
// One line per token request, which tests/oauth/provider.py counts (`grants()`).
provider.on('grant.success', (ctx) => console.log(`grant.success ${ctx.oidc.params.grant_type}`));
provider.on('grant.error', (ctx, error) => console.log(`grant.error ${ctx.oidc.params?.grant_type} ${error.message}`));
// The socket tests/oauth/provider.py bound and listens on, inherited as a file descriptor (its port cannot be
// taken by another process between choosing and serving it); PROVIDER_PORT alone when run by hand.
const address = process.env.PROVIDER_FD ? [{ fd: Number(process.env.PROVIDER_FD) }] : [port, '127.0.0.1'];
provider.listen(...address, () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
