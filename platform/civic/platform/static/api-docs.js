// Starts Swagger UI on the gateway's own OpenAPI document. Kept out of the page so
// that a Content-Security-Policy without 'unsafe-inline' can serve the docs.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    domNode: root,
    deepLinking: true,
    // The default validator badge would fetch from validator.swagger.io.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout",
  });
})();
