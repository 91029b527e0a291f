export interface PortForwardExecutorSchema {
  /** Release whose Services are forwarded when forwards is not given. Default: helm-install's release, else the project name. */
  release?: string;
  /** Default: helm-install's namespace, else "default". */
  namespace?: string;
  context?: string;
  /** Seconds each forward may take until it is ready; then the task fails. Default 120. */
  readyTimeout?: number;
  /** Explicit forwards; without them, they are discovered from the release's manifest. */
  forwards?: Array<{ service: string; port: number; localPort?: number; healthPath?: string }>;
}
