// The API reference at /docs: Swagger UI over the server's own document, from
// files the package ships. A file, not an inline script: the pages' policy runs
// scripts of this origin only.
"use strict";

(function () {
  const root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.SwaggerUIBundle({
    url: root.dataset.url,
    domNode: root,
    deepLinking: true,
    // Its default would send the document to validator.swagger.io: another host.
    validatorUrl: null,
    defaultModelsExpandDepth: 0,
    docExpansion: "list",
  });
})();
