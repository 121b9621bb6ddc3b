"""Port-forward sessions that really forward, tracked in the database.

- `workflows`: `port_forward_start`, `port_forward_stop`, `port_forward_stop_all`, `port_forward_list`
  (what tools, admin actions and commands call)
- `ports`, `targets`: the `ports` argument, and the pod and pod ports behind a pod or a service
- `forwarder`, `listener`, `streams`: this worker's listeners, connections and websockets
- `messages`: stopping a session held by another worker through the Channels layer
- `records`, `lifecycle`, `worker`: database upkeep, start and shutdown, worker identity
"""
