{{/* Fixed names: other services and the plugin address this Deployment and Service as todo-backend. */}}
{{- define "backend.fullname" -}}
todo-backend
{{- end }}

{{- define "backend.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: api
{{- end }}

{{- define "backend.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "backend.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: todo-app
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

