{{/* Names, labels and the pieces every tripstream container shares. */}}

{{- define "tripstream.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "tripstream.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "tripstream.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "tripstream.labels" -}}
helm.sh/chart: {{ include "tripstream.chart" . }}
app.kubernetes.io/name: {{ include "tripstream.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tripstream
{{- end }}

{{/* Selector labels of one component: (dict "root" $ "component" "api") */}}
{{- define "tripstream.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tripstream.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "tripstream.componentLabels" -}}
{{ include "tripstream.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "tripstream.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "tripstream.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "tripstream.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "tripstream.configMapName" -}}
{{- printf "%s-config" (include "tripstream.fullname" .) }}
{{- end }}

{{- define "tripstream.secretName" -}}
{{- default (printf "%s-secrets" (include "tripstream.fullname" .)) .Values.existingSecret }}
{{- end }}

{{- define "tripstream.kafkaClusterName" -}}
{{- printf "%s-kafka" (include "tripstream.fullname" .) | trunc 50 | trimSuffix "-" }}
{{- end }}

{{- define "tripstream.pgClusterName" -}}
{{- printf "%s-pg" (include "tripstream.fullname" .) | trunc 50 | trimSuffix "-" }}
{{- end }}

{{/* KAFKA_BOOTSTRAP_SERVERS: the value, else Strimzi's bootstrap service, else kafka:9092. */}}
{{- define "tripstream.kafkaBootstrap" -}}
{{- if .Values.config.KAFKA_BOOTSTRAP_SERVERS }}
{{- .Values.config.KAFKA_BOOTSTRAP_SERVERS }}
{{- else if .Values.strimzi.enabled }}
{{- printf "%s-kafka-bootstrap:9092" (include "tripstream.kafkaClusterName" .) }}
{{- else }}
{{- "kafka:9092" }}
{{- end }}
{{- end }}

{{/* True ("true") when DATABASE_URL comes from the CloudNativePG cluster's secret. */}}
{{- define "tripstream.databaseUrlFromCnpg" -}}
{{- if and .Values.cloudnativepg.enabled (not .Values.existingSecret) (not .Values.secrets.DATABASE_URL) }}true{{- end }}
{{- end }}

{{- define "tripstream.modelPath" -}}
{{- if .Values.config.MODEL_PATH }}
{{- .Values.config.MODEL_PATH }}
{{- else if .Values.model.enabled }}
{{- printf "%s/%s" (trimSuffix "/" .Values.model.mountPath) .Values.model.file }}
{{- end }}
{{- end }}

{{- define "tripstream.modelClaimName" -}}
{{- default (printf "%s-models" (include "tripstream.fullname" .)) .Values.model.persistence.existingClaim }}
{{- end }}

{{/* HTTP_PORT as an integer (the API's container port). */}}
{{- define "tripstream.httpPort" -}}
{{- $p := int (default "8080" (toString .Values.config.HTTP_PORT)) }}
{{- if or (lt $p 1) (gt $p 65535) }}
{{- fail (printf "config.HTTP_PORT must be 1..65535 (got %v)" .Values.config.HTTP_PORT) }}
{{- end }}
{{- $p }}
{{- end }}

{{/* Annotations that roll the pods when their configuration changes. */}}
{{- define "tripstream.configChecksums" -}}
checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
checksum/secret: {{ include (print $.Template.BasePath "/secret.yaml") . | sha256sum }}
{{- end }}

{{/* The pod spec fields every tripstream pod shares (service account, security, scheduling). */}}
{{- define "tripstream.podCommon" -}}
serviceAccountName: {{ include "tripstream.serviceAccountName" . }}
automountServiceAccountToken: {{ .Values.automountServiceAccountToken }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* image, pull policy, security context and configuration of a tripstream container:
     (dict "root" $ "extraEnv" list) */}}
{{- define "tripstream.containerCommon" -}}
image: {{ include "tripstream.image" .root | quote }}
imagePullPolicy: {{ .root.Values.image.pullPolicy }}
securityContext:
  {{- toYaml .root.Values.securityContext | nindent 2 }}
envFrom:
  - configMapRef:
      name: {{ include "tripstream.configMapName" .root }}
  - secretRef:
      name: {{ include "tripstream.secretName" .root }}
{{- if or (include "tripstream.databaseUrlFromCnpg" .root) .extraEnv }}
env:
  {{- if include "tripstream.databaseUrlFromCnpg" .root }}
  - name: DATABASE_URL
    valueFrom:
      secretKeyRef:
        name: {{ include "tripstream.pgClusterName" .root }}-app
        key: uri
  {{- end }}
  {{- with .extraEnv }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end }}
{{- end }}

{{/* The init container that waits for the trained model (consumer and API pods). */}}
{{- define "tripstream.waitForModel" -}}
{{- if and .Values.model.enabled .Values.model.waitForModel }}
initContainers:
  - name: wait-for-model
    image: {{ include "tripstream.image" . | quote }}
    imagePullPolicy: {{ .Values.image.pullPolicy }}
    securityContext:
      {{- toYaml .Values.securityContext | nindent 6 }}
    command:
      - sh
      - -c
      - |
        until [ -s "$MODEL_PATH" ]; do
          echo "waiting for the model $MODEL_PATH (the train Job writes it)"; sleep 10
        done
    env:
      - name: MODEL_PATH
        value: {{ include "tripstream.modelPath" . | quote }}
    resources:
      requests: {cpu: 10m, memory: 16Mi}
      limits: {memory: 32Mi}
    volumeMounts:
      - name: models
        mountPath: {{ .Values.model.mountPath }}
        readOnly: true
{{- end }}
{{- end }}

{{/* The volumes every tripstream pod mounts: /tmp, and the models when enabled. */}}
{{- define "tripstream.commonVolumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- if .Values.model.enabled }}
- name: models
  persistentVolumeClaim:
    claimName: {{ include "tripstream.modelClaimName" . }}
    readOnly: true
{{- end }}
{{- end }}

{{- define "tripstream.commonVolumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if .Values.model.enabled }}
- name: models
  mountPath: {{ .Values.model.mountPath }}
  readOnly: true
{{- end }}
{{- end }}

{{/* Generate/file input arguments of the producer and train Jobs: (dict "input" ...) */}}
{{- define "tripstream.inputArgs" -}}
{{- if .input.existingClaim }}
- {{ printf "/input/%s" (trimPrefix "/" .input.file) | quote }}
{{- else }}
{{- if le (int64 .input.generate) 0 }}
{{- fail "input.generate must be a positive number of trips when input.existingClaim is empty" }}
{{- end }}
- --generate
- {{ .input.generate | int64 | toString | quote }}
- --seed
- {{ .input.seed | int64 | toString | quote }}
- --weeks
- {{ .input.weeks | int64 | toString | quote }}
{{- end }}
{{- end }}

{{/* A value as an environment variable's text; whole numbers without an exponent (YAML
     numbers reach templates as float64, and 1073741824 would print as 1.073741824e+09). */}}
{{- define "tripstream.envValue" -}}
{{- if and (kindIs "float64" .) (eq (float64 (int64 .)) .) }}
{{- int64 . | toString }}
{{- else }}
{{- toString . }}
{{- end }}
{{- end }}
