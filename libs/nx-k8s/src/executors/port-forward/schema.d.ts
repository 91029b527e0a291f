export interface PortForwardExecutorSchema {
  namespace?: string;
  context?: string;
  /** Seconds each forward may take until its health path answers; then the task fails. Default 120. */
  readyTimeout?: number;
  forwards: Array<{ service: string; port: number; localPort?: number; healthPath?: string }>;
}
