export interface CiGeneratorSchema {
  name?: string;
  mainBranch?: string;
  nodeVersion?: string;
  helmVersion?: string;
  validate?: boolean;
  force?: boolean;
  skipFormat?: boolean;
}
