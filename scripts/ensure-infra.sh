#!/usr/bin/env bash
# Make sure RabbitMQ (with its management API) and PostgreSQL answer.
# Local servers are used when they answer; otherwise Docker Compose starts them where Docker
# runs; otherwise we stop and say how to start them.
set -euo pipefail
cd "$(dirname "$0")/.."

AMQP_HOST=${AMQP_HOST:-127.0.0.1}; AMQP_PORT=${AMQP_PORT:-5672}
MGMT_PORT=${RABBITMQ_MANAGEMENT_PORT:-15672}
PG_HOST=${PG_HOST:-127.0.0.1}; PG_PORT=${PG_PORT:-5432}

answers() { timeout 1 bash -c "</dev/tcp/$1/$2" 2>/dev/null; }

wait_for() {  # host port name
  for _ in $(seq 1 60); do answers "$1" "$2" && return 0; sleep 1; done
  echo "$3 did not answer on $1:$2 within 60 s" >&2; return 1
}

if ! answers "$AMQP_HOST" "$AMQP_PORT" || ! answers "$PG_HOST" "$PG_PORT"; then
  if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    echo "starting RabbitMQ and PostgreSQL with Docker Compose"
    docker compose up -d rabbitmq postgres
  else
    cat >&2 <<MSG
RabbitMQ ($AMQP_HOST:$AMQP_PORT) or PostgreSQL ($PG_HOST:$PG_PORT) does not answer, and there
is no Docker engine to start them. Start them locally, for example:
  rabbitmq-server -detached
  pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start
or run 'docker compose up -d rabbitmq postgres' on a machine with Docker.
MSG
    exit 1
  fi
fi
wait_for "$AMQP_HOST" "$AMQP_PORT" RabbitMQ
wait_for "$PG_HOST" "$PG_PORT" PostgreSQL

# The tests make throw-away vhosts through the management API, and operators use it too.
if ! answers "$AMQP_HOST" "$MGMT_PORT"; then
  if command -v rabbitmq-plugins >/dev/null 2>&1; then
    echo "enabling the RabbitMQ management and prometheus plugins"
    rabbitmq-plugins enable rabbitmq_management rabbitmq_prometheus >/dev/null
    wait_for "$AMQP_HOST" "$MGMT_PORT" "RabbitMQ management"
  else
    echo "the RabbitMQ management API does not answer on $AMQP_HOST:$MGMT_PORT;" \
         "enable it: rabbitmq-plugins enable rabbitmq_management" >&2
    exit 1
  fi
fi
