export interface PortForwardExecutorSchema {
  namespace?: string;
  context?: string;
  forwards: Array<{ service: string; port: number; localPort?: number; healthPath?: string }>;
}
