module nx-k8s.local/runc-capbnd

go 1.24
