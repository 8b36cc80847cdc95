#!/usr/bin/env bash
# A three-node RabbitMQ cluster on this machine, beside any node already running: for the
# cluster test and for trying the system against a cluster. Each node has its own ports and
# data directory; they share the Erlang cookie of the installed RabbitMQ.
#
#   deploy/rabbitmq/cluster.sh start    # start rabbit-1..3@localhost and join them
#   deploy/rabbitmq/cluster.sh stop     # stop them and delete their data
#   deploy/rabbitmq/cluster.sh status
#
# Node i listens for AMQP on 5680+i, management on 15680+i, Prometheus on 15790+i (distribution
# on 25680+i). Clients reach the cluster through a TCP load balancer (HAProxy, a cloud load
# balancer, a Kubernetes Service) or a list of nodes; see README.md, "A RabbitMQ cluster".
set -euo pipefail

BASE=${CLUSTER_DIR:-/tmp/city-rabbitmq-cluster}
NODES=(1 2 3)

node() { echo "rabbit-$1@localhost"; }

ctl() {  # rabbitmqctl as the installed node's user, so it reads the same cookie
  local i=$1; shift
  rabbitmqctl -n "$(node "$i")" "$@"
}

start_node() {
  local i=$1 dir="$BASE/rabbit-$1"
  mkdir -p "$dir"
  cat > "$dir/rabbitmq.conf" <<CONF
listeners.tcp.default = $((5680 + i))
management.tcp.port = $((15680 + i))
prometheus.tcp.port = $((15790 + i))
loopback_users = none
CONF
  echo "[rabbitmq_management,rabbitmq_prometheus]." > "$dir/enabled_plugins"
  chown -R rabbitmq:rabbitmq "$BASE" 2>/dev/null || true
  RABBITMQ_NODENAME=$(node "$i") \
  RABBITMQ_NODE_PORT=$((5680 + i)) \
  RABBITMQ_DIST_PORT=$((25680 + i)) \
  RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf" \
  RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" \
  RABBITMQ_MNESIA_BASE="$dir/mnesia" \
  RABBITMQ_LOG_BASE="$dir/log" \
  RABBITMQ_PID_FILE="$dir/rabbit.pid" \
    rabbitmq-server -detached
}

start() {
  for i in "${NODES[@]}"; do start_node "$i"; done
  for i in "${NODES[@]}"; do ctl "$i" wait --timeout 120 "$BASE/rabbit-$i/rabbit.pid" >/dev/null; done
  for i in "${NODES[@]:1}"; do
    ctl "$i" stop_app >/dev/null
    ctl "$i" join_cluster "$(node 1)" >/dev/null
    ctl "$i" start_app >/dev/null
  done
  ctl 1 await_online_nodes 3 --timeout 120 >/dev/null 2>&1 || ctl 1 await_startup >/dev/null
  echo "cluster up: $(node 1) $(node 2) $(node 3); AMQP on 5681-5683"
}

stop() {
  for i in "${NODES[@]}"; do ctl "$i" stop >/dev/null 2>&1 || true; done
  rm -rf "$BASE"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) ctl 1 cluster_status ;;
  *) sed -n '2,14p' "$0"; exit 2 ;;
esac
