module nx-k8s.local/smoke-app

go 1.24
