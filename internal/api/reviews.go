package api

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/tendhq/tend/internal/review"
	"github.com/tendhq/tend/internal/store"
)

// RegisterReviews adds the security-review endpoints: POST /v1/reviews
// (API key) reviews a tarball or a git ref and stores the result on the
// product; GET /v1/reviews lists reviews, GET /v1/reviews/{id} returns one
// with its findings, and GET /v1/reviews/gate answers a rollout gate's
// question (block_on_review) for a product's latest review.
func RegisterReviews(a *API, svc *review.Service, st store.Reviews) {
	h := reviewHandlers{svc: svc, st: st}
	a.Write("POST /v1/reviews", h.submit)
	a.Read("GET /v1/reviews", h.list)
	a.Read("GET /v1/reviews/gate", h.gate)
	a.Read("GET /v1/reviews/{id}", h.get)
}

type reviewHandlers struct {
	svc *review.Service
	st  store.Reviews
}

// ReviewView is a stored review as the API shows it.
type ReviewView struct {
	ID        string           `json:"id"`
	Product   string           `json:"product"`
	Version   int              `json:"version,omitempty"`
	Source    string           `json:"source"`
	Ref       string           `json:"ref,omitempty"`
	CreatedAt time.Time        `json:"created_at"`
	Files     int              `json:"files"`
	Lines     int              `json:"lines"`
	Counts    map[string]int   `json:"counts"`
	Findings  []review.Finding `json:"findings,omitempty"`
}

func reviewView(r store.Review) ReviewView {
	return ReviewView{ID: r.ID, Product: r.Product, Version: r.Version, Source: r.Source, Ref: r.Ref, CreatedAt: r.CreatedAt,
		Files: r.Files, Lines: r.Lines,
		Counts: map[string]int{"critical": r.Critical, "high": r.High, "medium": r.Medium, "low": r.Low, "note": r.Note}}
}

// reviewRequest is the JSON form of POST /v1/reviews: a git ref.
type reviewRequest struct {
	Product    string `json:"product"`
	Version    int    `json:"version"`
	Repository string `json:"repository"`
	Ref        string `json:"ref"`
}

func (h reviewHandlers) submit(w http.ResponseWriter, r *http.Request) {
	var sub review.Submission
	mt := ""
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, _ = mime.ParseMediaType(ct)
	}
	switch mt {
	case "application/json", "":
		var req reviewRequest
		if err := DecodeJSON(r, &req); err != nil {
			WriteError(w, r, err)
			return
		}
		if req.Repository == "" {
			WriteError(w, r, BadRequest("repository", "is required (or send a tarball with Content-Type application/gzip)"))
			return
		}
		sub = review.Submission{Product: req.Product, Version: req.Version, Repository: req.Repository, Ref: req.Ref}
	case "application/gzip", "application/x-gzip", "application/x-tar", "application/tar", "application/octet-stream":
		q := r.URL.Query()
		sub = review.Submission{Product: q.Get("product"), Tarball: r.Body}
		if v := q.Get("version"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				WriteError(w, r, BadRequest("version", "must be a number (got %q)", v))
				return
			}
			sub.Version = n
		}
	default:
		WriteError(w, r, &Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type",
			Message: "send a tarball (application/gzip or application/x-tar, ?product=...) or JSON with product, repository and ref"})
		return
	}
	rec, rep, err := h.svc.Submit(r.Context(), sub)
	var inv *review.InvalidError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		WriteError(w, r, tooLarge(mbe.Limit))
		return
	case errors.As(err, &inv):
		WriteError(w, r, BadRequest(inv.Field, "%s", inv.Reason))
		return
	case err != nil:
		WriteError(w, r, err)
		return
	}
	v := reviewView(rec)
	v.Findings = rep.Findings
	w.Header().Set("Location", "/v1/reviews/"+rec.ID)
	WriteJSON(w, http.StatusCreated, v)
}

func (h reviewHandlers) list(w http.ResponseWriter, r *http.Request) {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			WriteError(w, r, BadRequest("limit", "must be from 1 to 1000 (got %q)", v))
			return
		}
		limit = n
	}
	rs, err := h.st.List(r.Context(), r.URL.Query().Get("product"), limit)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	out := make([]ReviewView, len(rs))
	for i, x := range rs {
		out[i] = reviewView(x)
	}
	WriteJSON(w, http.StatusOK, map[string]any{"reviews": out})
}

func (h reviewHandlers) get(w http.ResponseWriter, r *http.Request) {
	rec, err := h.st.Get(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		WriteError(w, r, NotFound("no review %q", r.PathValue("id")))
		return
	}
	if err != nil {
		WriteError(w, r, err)
		return
	}
	v := reviewView(rec)
	var rep review.Report
	if err := json.Unmarshal(rec.Report, &rep); err == nil {
		v.Findings = rep.Findings
	}
	WriteJSON(w, http.StatusOK, v)
}

func (h reviewHandlers) gate(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	product := q.Get("product")
	if product == "" {
		WriteError(w, r, BadRequest("product", "is required"))
		return
	}
	sev, on, err := review.ParseBlockOnReview(q.Get("block_on_review"))
	if err != nil {
		WriteError(w, r, BadRequest("block_on_review", "%v", err))
		return
	}
	if !on {
		WriteError(w, r, BadRequest("block_on_review", "is required: low, medium, high or critical"))
		return
	}
	res, err := review.CheckLatest(r.Context(), h.st, product, sev)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, map[string]any{"product": product, "block_on_review": sev.String(), "blocked": res.Blocked,
		"review": res.ReviewID, "findings": res.Findings, "reason": res.Reason})
}
