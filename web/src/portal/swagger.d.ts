// swagger-ui-dist ships its prebuilt bundle without types; the portal uses only this much of it.
declare module 'swagger-ui-dist/swagger-ui-es-bundle.js' {
  interface SwaggerUiOptions {
    spec: unknown;
    domNode: HTMLElement;
    deepLinking?: boolean;
    supportedSubmitMethods?: string[];
    defaultModelsExpandDepth?: number;
    docExpansion?: 'list' | 'full' | 'none';
  }
  const SwaggerUI: (options: SwaggerUiOptions) => unknown;
  export default SwaggerUI;
}
