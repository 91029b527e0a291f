// The todo app's cluster tasks, as the scenarios name them.
export const BUILD = ['frontend:docker-build', 'backend:docker-build'];
export const LOAD = ['frontend:minikube-load', 'backend:minikube-load'];
export const RELEASE = 'todo-app:helm-install';
export const CLUSTER_WORK = [...BUILD, ...LOAD, RELEASE];
