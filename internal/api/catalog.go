package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/tendhq/tend/internal/catalog"
)

// RegisterCatalog adds read endpoints for the catalog self-healing
// publishes to.
func RegisterCatalog(a *API, cat catalog.Catalog) {
	h := catalogHandlers{cat: cat}
	a.Read("GET /v1/catalog/{product}/versions", h.versions)
	a.Read("GET /v1/catalog/{product}/versions/{id}", h.version)
}

type catalogHandlers struct{ cat catalog.Catalog }

// VersionView is a catalog version; Template only when one version is asked for.
type VersionView struct {
	Product     string    `json:"product"`
	ID          string    `json:"id"`
	Number      int       `json:"number"`
	Description string    `json:"description"`
	Format      string    `json:"format"`
	Active      bool      `json:"active"`
	CreatedAt   time.Time `json:"created_at"`
	Template    string    `json:"template,omitempty"`
}

func versionView(v catalog.Version) VersionView {
	return VersionView{Product: v.Product, ID: v.ID, Number: v.Number, Description: v.Description, Format: string(v.Format), Active: v.Active, CreatedAt: v.CreatedAt}
}

func (h catalogHandlers) versions(w http.ResponseWriter, r *http.Request) {
	vs, err := h.cat.Versions(r.Context(), r.PathValue("product"))
	if errors.Is(err, catalog.ErrNotFound) {
		WriteError(w, r, NotFound("no product %q in the %s catalog", r.PathValue("product"), h.cat.Kind()))
		return
	}
	if err != nil {
		WriteError(w, r, err)
		return
	}
	out := make([]VersionView, len(vs))
	for i, v := range vs {
		out[i] = versionView(v)
	}
	WriteJSON(w, http.StatusOK, map[string]any{"versions": out})
}

func (h catalogHandlers) version(w http.ResponseWriter, r *http.Request) {
	v, err := h.cat.Version(r.Context(), r.PathValue("product"), r.PathValue("id"))
	if errors.Is(err, catalog.ErrNotFound) {
		WriteError(w, r, NotFound("no version %q of product %q", r.PathValue("id"), r.PathValue("product")))
		return
	}
	if err != nil {
		WriteError(w, r, err)
		return
	}
	vv := versionView(v)
	vv.Template = string(v.Template)
	WriteJSON(w, http.StatusOK, vv)
}
