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

{{/* Where the CA of kafka.tls.caSecret / kafka.tls.caConfigMap is mounted (a directory; the file is ca.crt). */}}
{{- define "tripstream.kafkaCaDir" -}}
/etc/tripstream/kafka-ca
{{- end }}

{{/* True ("true") when the chart mounts a Kafka CA certificate. */}}
{{- define "tripstream.kafkaCaMounted" -}}
{{- if or .Values.kafka.tls.caSecret .Values.kafka.tls.caConfigMap }}true{{- end }}
{{- end }}

{{/* KAFKA_SSL_CA_LOCATION: the value, else the mounted CA, else nothing (the system's CAs). */}}
{{- define "tripstream.kafkaCaLocation" -}}
{{- if .Values.config.KAFKA_SSL_CA_LOCATION }}
{{- .Values.config.KAFKA_SSL_CA_LOCATION }}
{{- else if include "tripstream.kafkaCaMounted" . }}
{{- printf "%s/ca.crt" (include "tripstream.kafkaCaDir" .) }}
{{- end }}
{{- end }}

{{/* Refuses the Kafka security settings the programs would refuse at start (common/src/config.cpp:
     SASL needs mechanism, user and password; SASL and CA settings need a protocol that uses
     them), and the chart's own contradictions. Renders nothing. */}}
{{- define "tripstream.kafkaSecurityCheck" -}}
{{- $c := .Values.config }}
{{- $k := .Values.kafka }}
{{- $protocol := lower (toString (default "plaintext" $c.KAFKA_SECURITY_PROTOCOL)) }}
{{- if not (has $protocol (list "plaintext" "ssl" "sasl_plaintext" "sasl_ssl")) }}
{{- fail (printf "config.KAFKA_SECURITY_PROTOCOL must be plaintext, ssl, sasl_plaintext or sasl_ssl (got %v)" $c.KAFKA_SECURITY_PROTOCOL) }}
{{- end }}
{{- $mechanism := toString (default "" $c.KAFKA_SASL_MECHANISM) }}
{{- if and $mechanism (not (has $mechanism (list "PLAIN" "SCRAM-SHA-256" "SCRAM-SHA-512"))) }}
{{- fail (printf "config.KAFKA_SASL_MECHANISM must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (got %v)" $mechanism) }}
{{- end }}
{{- $chartPassword := and (not .Values.existingSecret) (ne (include "tripstream.envValue" (default "" .Values.secrets.KAFKA_SASL_PASSWORD)) "") }}
{{- if and $chartPassword $k.sasl.passwordSecret }}
{{- fail "set the SASL password once: secrets.KAFKA_SASL_PASSWORD or kafka.sasl.passwordSecret" }}
{{- end }}
{{- if hasPrefix "sasl_" $protocol }}
{{- if not $mechanism }}
{{- fail (printf "config.KAFKA_SECURITY_PROTOCOL %s needs config.KAFKA_SASL_MECHANISM (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)" $protocol) }}
{{- end }}
{{- if not $c.KAFKA_SASL_USERNAME }}
{{- fail (printf "config.KAFKA_SECURITY_PROTOCOL %s needs config.KAFKA_SASL_USERNAME" $protocol) }}
{{- end }}
{{- if not (or $chartPassword $k.sasl.passwordSecret .Values.existingSecret) }}
{{- fail (printf "config.KAFKA_SECURITY_PROTOCOL %s needs the SASL password: set secrets.KAFKA_SASL_PASSWORD, kafka.sasl.passwordSecret or existingSecret (key KAFKA_SASL_PASSWORD)" $protocol) }}
{{- end }}
{{- else if or $mechanism $c.KAFKA_SASL_USERNAME $chartPassword $k.sasl.passwordSecret }}
{{- fail (printf "SASL settings (config.KAFKA_SASL_*, secrets.KAFKA_SASL_PASSWORD, kafka.sasl.passwordSecret) are set but config.KAFKA_SECURITY_PROTOCOL is %s, which does not use them (sasl_ssl or sasl_plaintext?)" $protocol) }}
{{- end }}
{{- if and $k.tls.caSecret $k.tls.caConfigMap }}
{{- fail "set one of kafka.tls.caSecret and kafka.tls.caConfigMap, not both" }}
{{- end }}
{{- if include "tripstream.kafkaCaMounted" . }}
{{- $_ := required "kafka.tls.caKey: the key of the CA certificate in kafka.tls.caSecret / caConfigMap" $k.tls.caKey }}
{{- $mounted := printf "%s/ca.crt" (include "tripstream.kafkaCaDir" .) }}
{{- if and $c.KAFKA_SSL_CA_LOCATION (ne (toString $c.KAFKA_SSL_CA_LOCATION) $mounted) }}
{{- fail (printf "config.KAFKA_SSL_CA_LOCATION is %s but kafka.tls mounts the CA at %s: leave it empty" $c.KAFKA_SSL_CA_LOCATION $mounted) }}
{{- end }}
{{- end }}
{{- if and (include "tripstream.kafkaCaLocation" .) (not (has $protocol (list "ssl" "sasl_ssl"))) }}
{{- fail (printf "a Kafka CA (kafka.tls.caSecret, kafka.tls.caConfigMap or config.KAFKA_SSL_CA_LOCATION) is set but config.KAFKA_SECURITY_PROTOCOL is %s, which does not use TLS (ssl or sasl_ssl?)" $protocol) }}
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
{{- if or (include "tripstream.databaseUrlFromCnpg" .root) .root.Values.kafka.sasl.passwordSecret .extraEnv }}
env:
  {{- if include "tripstream.databaseUrlFromCnpg" .root }}
  - name: DATABASE_URL
    valueFrom:
      secretKeyRef:
        name: {{ include "tripstream.pgClusterName" .root }}-app
        key: uri
  {{- end }}
  {{- with .root.Values.kafka.sasl.passwordSecret }}
  - name: KAFKA_SASL_PASSWORD
    valueFrom:
      secretKeyRef:
        name: {{ . }}
        key: {{ required "kafka.sasl.passwordKey: the password's key in kafka.sasl.passwordSecret" $.root.Values.kafka.sasl.passwordKey }}
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

{{/* The Kafka CA volume (kafka.tls.caSecret or caConfigMap; key caKey as ca.crt) of every pod
     that talks to Kafka (consumer, API, producer, migrate); nothing without a CA. */}}
{{- define "tripstream.kafkaCaVolume" -}}
{{- if include "tripstream.kafkaCaMounted" . }}
- name: kafka-ca
  {{- if .Values.kafka.tls.caSecret }}
  secret:
    secretName: {{ .Values.kafka.tls.caSecret }}
  {{- else }}
  configMap:
    name: {{ .Values.kafka.tls.caConfigMap }}
  {{- end }}
    items:
      - key: {{ .Values.kafka.tls.caKey }}
        path: ca.crt
{{- end }}
{{- end }}

{{- define "tripstream.kafkaCaVolumeMount" -}}
{{- if include "tripstream.kafkaCaMounted" . }}
- name: kafka-ca
  mountPath: {{ include "tripstream.kafkaCaDir" . }}
  readOnly: true
{{- end }}
{{- end }}

{{/* The volumes of the consumer and API pods: /tmp, the models when enabled, the Kafka CA when given. */}}
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
{{- include "tripstream.kafkaCaVolume" . }}
{{- end }}

{{- define "tripstream.commonVolumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if .Values.model.enabled }}
- name: models
  mountPath: {{ .Values.model.mountPath }}
  readOnly: true
{{- end }}
{{- include "tripstream.kafkaCaVolumeMount" . }}
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
