import 'swagger-ui-dist/swagger-ui.css';
import { useEffect, useRef } from 'react';
import SwaggerUI from 'swagger-ui-dist/swagger-ui-es-bundle.js';

/**
 * The version's OpenAPI document rendered by Swagger UI (the maintained renderer that installs on Node 20 and works
 * offline: its bundle is served from this platform, nothing from a CDN). Loaded only on this page (a separate
 * chunk). "Try it out" is off: calls go through the gateway with the consumer's own token, not from the portal.
 */
export default function OpenApiView({ spec }: { spec: unknown }) {
  const node = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!node.current) return;
    SwaggerUI({
      spec,
      domNode: node.current,
      deepLinking: false,
      supportedSubmitMethods: [],
      defaultModelsExpandDepth: 1,
      docExpansion: 'list',
    });
  }, [spec]);
  return <div ref={node} className="lgsp-openapi" />;
}
