export interface MinikubeLoadExecutorSchema {
  cluster?: 'auto' | 'minikube' | 'kind' | 'containerd' | 'registry' | 'docker-desktop';
  context?: string;
  containerdAddress?: string;
  registry?: string;
  imageFile?: string;
  outputFile?: string;
  buildTarget?: string;
}
