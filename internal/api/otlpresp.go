package api

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"

	"github.com/tendhq/tend/internal/ingest/otlp"
)

// pmetricotlpResponse is the ExportMetricsServiceResponse for a converted
// request: partial success when data points were rejected.
func pmetricotlpResponse(res otlp.Result) pmetricotlp.ExportResponse {
	resp := pmetricotlp.NewExportResponse()
	if res.Rejected > 0 || len(res.Reasons) > 0 {
		ps := resp.PartialSuccess()
		ps.SetRejectedDataPoints(res.Rejected)
		ps.SetErrorMessage(strings.Join(res.Reasons, "; "))
	}
	return resp
}
