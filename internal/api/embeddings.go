package api

import (
	"errors"
	"math"
	"net/http"
	"time"

	"github.com/tendhq/tend/internal/embed"
	"github.com/tendhq/tend/internal/embed/vectors"
	"github.com/tendhq/tend/internal/store"
)

// RegisterEmbeddings adds the image embedding endpoints (tend embed's
// store sink): read one vector, k-nearest by cosine (no key: they change
// nothing), and put one vector (API key).
func RegisterEmbeddings(a *API, vs *vectors.Store, now func() time.Time) {
	h := embeddingHandlers{vs: vs, now: now}
	a.Read("GET /v1/embeddings", h.models)
	a.Read("GET /v1/embeddings/{id...}", h.get)
	a.Read("POST /v1/embeddings/search", h.search)
	a.Write("PUT /v1/embeddings/{id...}", h.put)
}

type embeddingHandlers struct {
	vs  *vectors.Store
	now func() time.Time
}

// EmbeddingView is a stored vector; DataType and Dimension as in the
// seed's table.
type EmbeddingView struct {
	ImageID   string    `json:"image_id"`
	Model     string    `json:"model"`
	Checksum  string    `json:"checksum"`
	Source    string    `json:"source,omitempty"`
	DataType  string    `json:"data_type"`
	Dimension int       `json:"dimension"`
	Vector    []float32 `json:"vector"`
	CreatedAt time.Time `json:"created_at"`
}

func (h embeddingHandlers) models(w http.ResponseWriter, r *http.Request) {
	ms, err := h.vs.Models(r.Context())
	if err != nil {
		WriteError(w, r, err)
		return
	}
	if ms == nil {
		ms = []vectors.ModelStats{}
	}
	WriteJSON(w, http.StatusOK, map[string]any{"models": ms})
}

func (h embeddingHandlers) get(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	v, err := h.vs.Get(r.Context(), id, r.URL.Query().Get("model"))
	switch {
	case errors.Is(err, store.ErrNotFound):
		WriteError(w, r, NotFound("no embedding of image %q", id))
		return
	case errors.Is(err, vectors.ErrAmbiguous):
		WriteError(w, r, BadRequest("model", "image %q has embeddings under several models: name one with ?model=DIGEST", id))
		return
	case err != nil:
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, EmbeddingView{ImageID: v.ImageID, Model: v.Model, Checksum: v.Checksum, Source: v.Source,
		DataType: "float32", Dimension: len(v.Values), Vector: v.Values, CreatedAt: v.CreatedAt})
}

// SearchRequest asks for the k vectors nearest to a vector, or to a stored
// image's vector.
type SearchRequest struct {
	Vector  []float32 `json:"vector,omitempty"`
	ImageID string    `json:"image_id,omitempty"`
	Model   string    `json:"model,omitempty"`
	K       int       `json:"k,omitempty"`
}

func (h embeddingHandlers) search(w http.ResponseWriter, r *http.Request) {
	var req SearchRequest
	if err := DecodeJSON(r, &req); err != nil {
		WriteError(w, r, err)
		return
	}
	switch {
	case req.K == 0:
		req.K = 10
	case req.K < 1 || req.K > 1000:
		WriteError(w, r, BadRequest("k", "must be from 1 to 1000 (got %d)", req.K))
		return
	}
	if (len(req.Vector) == 0) == (req.ImageID == "") {
		WriteError(w, r, BadRequest("vector", "give exactly one of vector and image_id"))
		return
	}
	for i, x := range req.Vector {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			WriteError(w, r, BadRequest("vector", "element %d is not a finite number", i))
			return
		}
	}
	q := req.Vector
	if req.ImageID != "" {
		v, err := h.vs.Get(r.Context(), req.ImageID, req.Model)
		switch {
		case errors.Is(err, store.ErrNotFound):
			WriteError(w, r, NotFound("no embedding of image %q", req.ImageID))
			return
		case errors.Is(err, vectors.ErrAmbiguous):
			WriteError(w, r, BadRequest("model", "image %q has embeddings under several models: name one", req.ImageID))
			return
		case err != nil:
			WriteError(w, r, err)
			return
		}
		q, req.Model = v.Values, v.Model
	}
	model, res, err := h.vs.Search(r.Context(), req.Model, q, req.K)
	var de *vectors.DimError
	switch {
	case errors.As(err, &de):
		WriteError(w, r, BadRequest("vector", "%v", de))
		return
	case errors.Is(err, vectors.ErrAmbiguous):
		WriteError(w, r, BadRequest("model", "the store holds embeddings of several models: name one"))
		return
	case errors.Is(err, store.ErrNotFound):
		WriteError(w, r, NotFound("no embeddings to search under model %q", req.Model))
		return
	case err != nil:
		WriteError(w, r, err)
		return
	}
	if res == nil {
		res = []vectors.Match{}
	}
	WriteJSON(w, http.StatusOK, map[string]any{"model": model, "results": res})
}

// PutRequest stores one vector by hand (what tend embed does in bulk).
type PutRequest struct {
	Model    string    `json:"model"`
	Checksum string    `json:"checksum,omitempty"`
	Source   string    `json:"source,omitempty"`
	Vector   []float32 `json:"vector"`
}

func (h embeddingHandlers) put(w http.ResponseWriter, r *http.Request) {
	var req PutRequest
	if err := DecodeJSON(r, &req); err != nil {
		WriteError(w, r, err)
		return
	}
	if req.Model == "" {
		WriteError(w, r, BadRequest("model", "is required: the digest (or name) of the model that made the vector"))
		return
	}
	if len(req.Vector) == 0 || len(req.Vector) > 65536 {
		WriteError(w, r, BadRequest("vector", "must have 1 to 65536 elements (got %d)", len(req.Vector)))
		return
	}
	for i, x := range req.Vector {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			WriteError(w, r, BadRequest("vector", "element %d is not a finite number", i))
			return
		}
	}
	v := embed.Vector{ImageID: r.PathValue("id"), Model: req.Model, Checksum: req.Checksum, Source: req.Source, Values: req.Vector, CreatedAt: h.now()}
	if err := h.vs.Put(r.Context(), []embed.Vector{v}); err != nil {
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, EmbeddingView{ImageID: v.ImageID, Model: v.Model, Checksum: v.Checksum, Source: v.Source,
		DataType: "float32", Dimension: len(v.Values), Vector: v.Values, CreatedAt: v.CreatedAt})
}
