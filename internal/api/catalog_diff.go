package api

import (
	"errors"
	"net/http"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/store"
)

// RegisterCatalogDiff adds GET /v1/catalog/{product}/diff?from=V&to=V: the
// unified diff between two versions' templates (text/plain), the link a
// RUN_ACTED notification carries.
func RegisterCatalogDiff(a *API, cat catalog.Catalog) {
	a.Read("GET /v1/catalog/{product}/diff", func(w http.ResponseWriter, r *http.Request) {
		product, q := r.PathValue("product"), r.URL.Query()
		for _, f := range []string{"from", "to"} {
			if q.Get(f) == "" {
				WriteError(w, r, BadRequest(f, "is required: a version such as v1"))
				return
			}
		}
		var vs [2]catalog.Version
		for i, f := range []string{"from", "to"} {
			v, err := cat.Version(r.Context(), product, q.Get(f))
			if errors.Is(err, store.ErrNotFound) || errors.Is(err, catalog.ErrNotFound) {
				WriteError(w, r, NotFound("no version %s of %s", q.Get(f), product))
				return
			}
			if err != nil {
				WriteError(w, r, err)
				return
			}
			vs[i] = v
		}
		text, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
			A: difflib.SplitLines(string(vs[0].Template)), B: difflib.SplitLines(string(vs[1].Template)),
			FromFile: product + " " + vs[0].ID, ToFile: product + " " + vs[1].ID, Context: 3})
		if err != nil {
			WriteError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(text))
	})
}
