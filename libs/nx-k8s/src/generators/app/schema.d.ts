export interface AppGeneratorSchema {
  project: string;
  port?: number;
  command?: string;
  baseImage?: string;
  healthPath?: string;
  umbrella?: string;
  skipFormat?: boolean;
}
