{{/*
Names, labels and the pieces the api, the worker and the migration Job share.
*/}}

{{/* The chart name, or nameOverride. */}}
{{- define "dbaas.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The full name: fullnameOverride, else "<release>-<name>" (just the release name when it
already holds the chart name). Truncated to leave room for suffixes such as "-migrate".
*/}}
{{- define "dbaas.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* "name-version" for the helm.sh/chart label. */}}
{{- define "dbaas.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels every resource carries. */}}
{{- define "dbaas.labels" -}}
helm.sh/chart: {{ include "dbaas.chart" . }}
{{ include "dbaas.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: dbaas
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Labels that pick out this release's pods. */}}
{{- define "dbaas.selectorLabels" -}}
app.kubernetes.io/name: {{ include "dbaas.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Labels of one component's resources: (dict "ctx" $ "component" "api").
*/}}
{{- define "dbaas.componentLabels" -}}
{{ include "dbaas.labels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Selector labels of one component: (dict "ctx" $ "component" "api"). */}}
{{- define "dbaas.componentSelectorLabels" -}}
{{ include "dbaas.selectorLabels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* The ServiceAccount the pods run as. */}}
{{- define "dbaas.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "dbaas.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The image reference: repository:tag (appVersion by default) or repository@digest. */}}
{{- define "dbaas.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag | toString) }}
{{- end }}
{{- end }}

{{/* The Secret the pods read: existingSecret, or the one the chart makes. */}}
{{- define "dbaas.secretName" -}}
{{- default (include "dbaas.fullname" .) .Values.secret.existingSecret }}
{{- end }}

{{/*
The data of the Secret the chart makes (also copied into the migration hook's Secret).
Fails when there is neither secret.secretKey nor secret.existingSecret.
*/}}
{{- /*
DBAAS_SECRET_KEY: secret.secretKey when given (ID:BASE64, or BASE64 for the id "default");
else the one the release's Secret already holds (Helm's lookup, on a live cluster); else a
new one, "chart-YYYYMMDD:" and 32 random bytes. The Secret is kept on uninstall, so a key
made here is never replaced behind the operator's back. `helm template` and dry runs
cannot look up, so they make a new key each time: GitOps users set secret.secretKey (or
secret.existingSecret).
*/ -}}
{{- define "dbaas.secretKey" -}}
{{- $given := .Values.secret.secretKey | default "" | trim }}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "dbaas.fullname" .) }}
{{- if $given }}
{{- $given }}
{{- else if and $existing $existing.data (hasKey $existing.data "DBAAS_SECRET_KEY") }}
{{- index $existing.data "DBAAS_SECRET_KEY" | b64dec }}
{{- else }}
{{- /* Made once per render, so that the Secret, the migration hook's copy and the pods'
checksum all hold the same one. */ -}}
{{- if not (hasKey .Values.secret "generatedKey") }}
{{- $_ := set .Values.secret "generatedKey" (printf "chart-%s:%s" (now | date "20060102") (randBytes 32)) }}
{{- end }}
{{- .Values.secret.generatedKey }}
{{- end }}
{{- end }}

{{- /* Fails unless each key of the list is [ID:]BASE64 of exactly 32 bytes. (dict "keys" LIST "field" NAME) */ -}}
{{- define "dbaas.checkKeys" -}}
{{- range .keys }}
{{- $parts := splitList ":" . }}
{{- $b64 := last $parts }}
{{- if or (gt (len $parts) 2) (ne (len (b64dec $b64)) 32) (not (regexMatch "^[A-Za-z0-9+/]{43}=$" $b64)) }}
{{- fail (printf "%s: each key must be ID:BASE64 (or BASE64) of exactly 32 bytes (head -c32 /dev/urandom | base64)" $.field) }}
{{- end }}
{{- if and (eq (len $parts) 2) (not (regexMatch "^[A-Za-z0-9._-]{1,32}$" (first $parts))) }}
{{- fail (printf "%s: a key id is 1 to 32 letters, digits, '.', '_' or '-'" $.field) }}
{{- end }}
{{- end }}
{{- end }}

{{- define "dbaas.secretData" -}}
{{- $key := include "dbaas.secretKey" . }}
{{- include "dbaas.checkKeys" (dict "keys" (list $key) "field" "secret.secretKey") }}
{{- $older := regexSplit "[\\s,]+" (.Values.secret.secretKeysOld | default "" | trim) -1 | compact }}
{{- include "dbaas.checkKeys" (dict "keys" $older "field" "secret.secretKeysOld") -}}
DBAAS_SECRET_KEY: {{ $key | b64enc | quote }}
{{- with $older }}
DBAAS_SECRET_KEYS_OLD: {{ join "," . | b64enc | quote }}
{{- end }}
DBAAS_DATABASE_URL: {{ required "secret.databaseUrl is required" .Values.secret.databaseUrl | b64enc | quote }}
DBAAS_REDIS_URL: {{ required "secret.redisUrl is required" .Values.secret.redisUrl | b64enc | quote }}
{{- with .Values.secret.adminPassword }}
DBAAS_ADMIN_PASSWORD: {{ . | b64enc | quote }}
{{- end }}
{{- end }}

{{/*
Environment entries read from a Secret: (dict "ctx" $ "secretName" NAME). Keys are the
chart's own names, or existingSecretKeys when existingSecret is used.
*/}}
{{- define "dbaas.secretEnv" -}}
{{- $v := .ctx.Values.secret }}
{{- $keys := dict "secretKey" "DBAAS_SECRET_KEY" "secretKeysOld" "DBAAS_SECRET_KEYS_OLD" "adminPassword" "DBAAS_ADMIN_PASSWORD" "databaseUrl" "DBAAS_DATABASE_URL" "redisUrl" "DBAAS_REDIS_URL" }}
{{- if $v.existingSecret }}
{{- $keys = merge (dict) $v.existingSecretKeys $keys }}
{{- end -}}
- name: DBAAS_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .secretName }}
      key: {{ $keys.secretKey }}
- name: DBAAS_SECRET_KEYS_OLD
  valueFrom:
    secretKeyRef:
      name: {{ .secretName }}
      key: {{ $keys.secretKeysOld }}
      optional: true
- name: DBAAS_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .secretName }}
      key: {{ $keys.databaseUrl }}
- name: DBAAS_REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ .secretName }}
      key: {{ $keys.redisUrl }}
- name: DBAAS_ADMIN_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .secretName }}
      key: {{ $keys.adminPassword }}
      optional: true
{{- end }}

{{/* DBAAS_DOCKER_HOST: the mounted socket when worker.dockerSocket.enabled, else config.dockerHost. */}}
{{- define "dbaas.dockerHost" -}}
{{- if .Values.worker.dockerSocket.enabled }}
{{- print "unix:///var/run/docker.sock" }}
{{- else }}
{{- required "config.dockerHost is required (e.g. tcp://docker-host:2375)" .Values.config.dockerHost }}
{{- end }}
{{- end }}

{{/* DBAAS_HOST_ADDRESS: config.hostAddress, else the host name of config.dockerHost. */}}
{{- define "dbaas.hostAddress" -}}
{{- if .Values.config.hostAddress }}
{{- .Values.config.hostAddress }}
{{- else if .Values.worker.dockerSocket.enabled }}
{{- fail "config.hostAddress is required with worker.dockerSocket.enabled: the address of the node whose Docker runs the engines" }}
{{- else }}
{{- $host := (urlParse (include "dbaas.dockerHost" .)).hostname }}
{{- if not $host }}
{{- fail "config.hostAddress is required: config.dockerHost names no host to take it from" }}
{{- end }}
{{- $host }}
{{- end }}
{{- end }}

{{/* DBAAS_PUBLIC_URL: config.publicUrl, else the first ingress host, else empty. */}}
{{- define "dbaas.publicUrl" -}}
{{- if .Values.config.publicUrl }}
{{- .Values.config.publicUrl | trimSuffix "/" }}
{{- else if and .Values.api.ingress.enabled .Values.api.ingress.hosts }}
{{- $host := (first .Values.api.ingress.hosts).host }}
{{- if $host }}
{{- $scheme := "http" }}
{{- range .Values.api.ingress.tls }}
{{- if has $host (.hosts | default list) }}
{{- $scheme = "https" }}
{{- end }}
{{- end }}
{{- printf "%s://%s" $scheme $host }}
{{- end }}
{{- end }}
{{- end }}

{{/* The non-secret environment shared by every container, as a YAML map. */}}
{{- define "dbaas.configData" -}}
DBAAS_ADMIN_USER: {{ .Values.config.adminUser | quote }}
{{- with include "dbaas.publicUrl" . }}
DBAAS_PUBLIC_URL: {{ . | quote }}
{{- end }}
DBAAS_QUEUE_PREFIX: {{ default (include "dbaas.fullname" .) .Values.config.queuePrefix | quote }}
DBAAS_DEPLOYMENT: {{ default (include "dbaas.fullname" .) .Values.config.deployment | quote }}
DBAAS_DOCKER_HOST: {{ include "dbaas.dockerHost" . | quote }}
DBAAS_HOST_ADDRESS: {{ include "dbaas.hostAddress" . | quote }}
DBAAS_PORT_RANGE: {{ .Values.config.portRange | quote }}
DBAAS_POSTGRES_IMAGE: {{ .Values.config.postgresImage | quote }}
DBAAS_MONGODB_IMAGE: {{ .Values.config.mongodbImage | quote }}
DBAAS_WORKER_CONCURRENCY: {{ .Values.config.workerConcurrency | toString | quote }}
DBAAS_POLL_INTERVAL_MS: {{ .Values.config.pollIntervalMs | toString | quote }}
DBAAS_ENGINE_READY_TIMEOUT_S: {{ .Values.config.engineReadyTimeoutSeconds | toString | quote }}
DBAAS_TRUSTED_PROXIES: {{ .Values.config.trustedProxies | default "" | quote }}
DBAAS_AUDIT_RETENTION_DAYS: {{ .Values.config.auditRetentionDays | toString | quote }}
{{- end }}

{{/*
Pod annotations that change whenever the configuration or the chart's Secret does,
so a `helm upgrade` that changes either rolls the pods.
*/}}
{{- define "dbaas.checksumAnnotations" -}}
checksum/config: {{ include "dbaas.configData" . | sha256sum }}
{{- if .Values.secret.existingSecret }}
checksum/secret: {{ printf "%s %s" .Values.secret.existingSecret (toJson .Values.secret.existingSecretKeys) | sha256sum }}
{{- else }}
checksum/secret: {{ include "dbaas.secretData" . | sha256sum }}
{{- end }}
{{- end }}

{{/*
Prometheus' scrape annotations of a component's pods, when metrics.scrapeAnnotations:
each one only where neither podAnnotations nor the component's own sets that key.
(dict "ctx" $ "port" 8000 "values" .Values.api)
*/}}
{{- define "dbaas.scrapeAnnotations" -}}
{{- $ctx := .ctx }}
{{- if $ctx.Values.metrics.scrapeAnnotations }}
{{- $given := merge (dict) (.values.podAnnotations | default dict) ($ctx.Values.podAnnotations | default dict) }}
{{- $scrape := dict "prometheus.io/scrape" "true" "prometheus.io/port" (toString .port) "prometheus.io/path" "/metrics" }}
{{- range $key := keys $scrape | sortAlpha }}
{{- if not (hasKey $given $key) }}
{{ $key }}: {{ get $scrape $key | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The affinity of a component: its own when given, else a pod anti-affinity preset that
spreads its pods over nodes. (dict "ctx" $ "component" "api" "values" .Values.api)
*/}}
{{- define "dbaas.affinity" -}}
{{- if .values.affinity }}
{{- toYaml .values.affinity }}
{{- else if eq .values.podAntiAffinityPreset "soft" }}
podAntiAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "dbaas.componentSelectorLabels" (dict "ctx" .ctx "component" .component) | nindent 12 }}
{{- else if eq .values.podAntiAffinityPreset "hard" }}
podAntiAffinity:
  requiredDuringSchedulingIgnoredDuringExecution:
    - topologyKey: kubernetes.io/hostname
      labelSelector:
        matchLabels:
          {{- include "dbaas.componentSelectorLabels" (dict "ctx" .ctx "component" .component) | nindent 10 }}
{{- end }}
{{- end }}

{{/* The writable /tmp every pod gets, its root filesystem being read-only. */}}
{{- define "dbaas.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- end }}

{{/*
A PodDisruptionBudget for one component: (dict "ctx" $ "component" "api" "pdb" .Values.api.pdb).
minAvailable wins when set; else maxUnavailable (1 when unset).
*/}}
{{- define "dbaas.pdb" -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "dbaas.fullname" .ctx }}-{{ .component }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "dbaas.componentLabels" (dict "ctx" .ctx "component" .component) | nindent 4 }}
spec:
  {{- if not (kindIs "invalid" .pdb.minAvailable) }}
  minAvailable: {{ .pdb.minAvailable }}
  {{- else if not (kindIs "invalid" .pdb.maxUnavailable) }}
  maxUnavailable: {{ .pdb.maxUnavailable }}
  {{- else }}
  maxUnavailable: 1
  {{- end }}
  selector:
    matchLabels:
      {{- include "dbaas.componentSelectorLabels" (dict "ctx" .ctx "component" .component) | nindent 6 }}
{{- end }}

{{/* Whether the first host is reached over TLS with config.dockerTls's Secret. */}}
{{- define "dbaas.dockerTls" -}}
{{- if and .Values.config.dockerTls.enabled (not .Values.worker.dockerSocket.enabled) }}true{{ end }}
{{- end }}

{{/* The env entry, volume mount and volume of config.dockerTls (api and migration Job). */}}
{{- define "dbaas.dockerTlsEnv" -}}
{{- if include "dbaas.dockerTls" . }}
- name: DBAAS_DOCKER_TLS_DIR
  value: /etc/dbaas/docker-tls
{{- end }}
{{- end }}

{{- define "dbaas.dockerTlsMount" -}}
{{- if include "dbaas.dockerTls" . }}
- name: docker-tls
  mountPath: /etc/dbaas/docker-tls
  readOnly: true
{{- end }}
{{- end }}

{{- define "dbaas.dockerTlsVolume" -}}
{{- if include "dbaas.dockerTls" . }}
- name: docker-tls
  secret:
    secretName: {{ .Values.config.dockerTls.secretName }}
    defaultMode: 0440
    items:
      - key: ca.pem
        path: ca.pem
      - key: cert.pem
        path: cert.pem
      - key: key.pem
        path: key.pem
{{- end }}
{{- end }}
