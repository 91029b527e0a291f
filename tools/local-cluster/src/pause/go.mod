module nx-k8s.local/pause

go 1.24
