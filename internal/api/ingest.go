package api

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	grpcstatus "google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/tendhq/tend/internal/ingest"
	"github.com/tendhq/tend/internal/ingest/otlp"
	"github.com/tendhq/tend/internal/ingest/remotewrite"
	"github.com/tendhq/tend/internal/series"
	"github.com/tendhq/tend/internal/watch"
)

// IngestOptions configure the metric ingest endpoints.
type IngestOptions struct {
	// Sink takes the decoded samples (the detection stage).
	Sink ingest.Sink
	// Series lists what is watched, for GET /v1/series.
	Series SeriesLister
	// MaxDecodedBytes bounds a body after decompression (remote_write's
	// snappy, OTLP's gzip).
	MaxDecodedBytes int
}

// SeriesLister is what GET /v1/series needs of the detection stage.
type SeriesLister interface {
	List(sel series.Selector, offset, limit int) ([]watch.Status, int)
}

var _ SeriesLister = (*watch.Watcher)(nil)

// RegisterIngest adds POST /api/v1/write (Prometheus remote_write 1.0),
// POST /v1/metrics (OTLP/HTTP, protobuf and JSON) and GET /v1/series.
func RegisterIngest(a *API, o IngestOptions) {
	if o.MaxDecodedBytes <= 0 {
		o.MaxDecodedBytes = 32 << 20
	}
	h := &ingestHandler{o: o}
	a.Write("POST /api/v1/write", h.remoteWrite)
	a.Write("POST /v1/metrics", h.otlp)
	if o.Series != nil {
		a.Read("GET /v1/series", h.listSeries)
	}
}

type ingestHandler struct {
	o IngestOptions
	// bufs keeps remote_write's request memory (*rwBuffers) for reuse:
	// the detection stage copies what it keeps, so once Append returned
	// nothing points into it.
	bufs sync.Pool
}

type rwBuffers struct {
	body []byte
	dec  remotewrite.Buffers
}

// readInto reads the request body into buf (grown when needed), sized by
// Content-Length when the sender gave one.
func readInto(r *http.Request, buf []byte) ([]byte, error) {
	if n := r.ContentLength; n > 0 {
		// net/http refuses a body longer than its Content-Length, and the
		// API's MaxBytesReader one over server.max_body_bytes
		if int64(cap(buf)) < n {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(r.Body, buf); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, tooLarge(mbe.Limit)
			}
			return nil, BadRequest("", "could not read the request body: %v", err)
		}
		return buf, nil
	}
	b := bytes.NewBuffer(buf[:0])
	if _, err := b.ReadFrom(r.Body); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge(mbe.Limit)
		}
		return nil, BadRequest("", "could not read the request body: %v", err)
	}
	return b.Bytes(), nil
}

func (h *ingestHandler) remoteWrite(w http.ResponseWriter, r *http.Request) {
	if ce := r.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "snappy") {
		WriteError(w, r, &Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Field: "Content-Encoding",
			Message: fmt.Sprintf("Content-Encoding %q is not supported: remote_write bodies are snappy-compressed", ce)})
		return
	}
	if v := r.Header.Get("X-Prometheus-Remote-Write-Version"); v != "" && !strings.HasPrefix(v, "0.1") {
		WriteError(w, r, &Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Field: "X-Prometheus-Remote-Write-Version",
			Message: fmt.Sprintf("remote_write version %q is not supported: tend speaks remote_write 1.0 (version %s)", v, remotewrite.Version)})
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/x-protobuf" {
			WriteError(w, r, &Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Field: "Content-Type",
				Message: fmt.Sprintf("Content-Type %q is not remote_write's application/x-protobuf", ct)})
			return
		}
		if p := params["proto"]; p != "" && p != "prometheus.WriteRequest" {
			WriteError(w, r, &Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Field: "Content-Type",
				Message: fmt.Sprintf("remote_write message %q is not supported: tend speaks remote_write 1.0 (prometheus.WriteRequest); set protobuf_message: prometheus.WriteRequest", p)})
			return
		}
	}
	bufs, _ := h.bufs.Get().(*rwBuffers)
	if bufs == nil {
		bufs = &rwBuffers{}
	}
	defer func() {
		if cap(bufs.body) <= 4<<20 && bufs.dec.Reusable() {
			h.bufs.Put(bufs)
		}
	}()
	body, err := readInto(r, bufs.body)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	bufs.body = body
	res, err := bufs.dec.Decode(body, h.o.MaxDecodedBytes)
	if err != nil {
		var de *remotewrite.DecodeError
		if errors.As(err, &de) && de.TooLarge {
			WriteError(w, r, &Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Field: de.Field, Message: de.Reason})
			return
		}
		if errors.As(err, &de) {
			WriteError(w, r, BadRequest(de.Field, "%s", de.Reason))
			return
		}
		WriteError(w, r, err)
		return
	}
	if err := stampSampleAccounts(Principal(r), res.Samples); err != nil {
		WriteError(w, r, err)
		return
	}
	if err := h.o.Sink.Append(r.Context(), res.Samples); err != nil {
		writeAppendError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// writeAppendError answers a refused batch: 429 with Retry-After when
// overloaded, 413 for a batch that can never fit, 503 when stopping.
func writeAppendError(w http.ResponseWriter, r *http.Request, err error) {
	var oe *ingest.OverloadedError
	var tl *watch.BatchTooLargeError
	var sl *watch.SeriesLimitError
	switch {
	case errors.As(err, &sl):
		WriteError(w, r, &Error{Status: http.StatusBadRequest, Code: "series_limit", Message: sl.Error() + "; nothing from this request was accepted"})
	case errors.As(err, &oe):
		w.Header().Set("Retry-After", retryAfter(oe.RetryAfter))
		WriteError(w, r, &Error{Status: http.StatusTooManyRequests, Code: "overloaded", Message: oe.Error() + "; nothing from this request was accepted"})
	case errors.As(err, &tl):
		WriteError(w, r, &Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Message: tl.Error()})
	case errors.Is(err, watch.ErrStopped):
		w.Header().Set("Retry-After", "5")
		WriteError(w, r, &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "tend is shutting down; nothing from this request was accepted"})
	default:
		WriteError(w, r, err)
	}
}

func retryAfter(d time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(d.Seconds()))))
}

func (h *ingestHandler) otlp(w http.ResponseWriter, r *http.Request) {
	ct := r.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	var isJSON bool
	switch mt {
	case "application/x-protobuf", "application/protobuf":
	case "application/json":
		isJSON = true
	default:
		otlpError(w, false, http.StatusUnsupportedMediaType, codes.InvalidArgument,
			fmt.Sprintf("Content-Type %q is not supported: send application/x-protobuf or application/json", ct), 0)
		return
	}
	body, err := ReadBody(r)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			otlpError(w, isJSON, e.Status, codes.InvalidArgument, e.Message, 0)
			return
		}
		otlpError(w, isJSON, http.StatusBadRequest, codes.InvalidArgument, err.Error(), 0)
		return
	}
	switch ce := strings.ToLower(r.Header.Get("Content-Encoding")); ce {
	case "", "identity":
	case "gzip":
		// The collector's otlphttp exporter compresses with gzip by default.
		if body, err = gunzip(body, h.o.MaxDecodedBytes); err != nil {
			status := http.StatusBadRequest
			if errors.Is(err, errTooLarge) {
				status = http.StatusRequestEntityTooLarge
			}
			otlpError(w, isJSON, status, codes.InvalidArgument, err.Error(), 0)
			return
		}
	default:
		otlpError(w, isJSON, http.StatusUnsupportedMediaType, codes.InvalidArgument,
			fmt.Sprintf("Content-Encoding %q is not supported: send gzip or no encoding", ce), 0)
		return
	}
	if isJSON {
		if e := checkUTF8(body); e != nil {
			otlpError(w, isJSON, http.StatusBadRequest, codes.InvalidArgument, e.Error(), 0)
			return
		}
	}
	req, err := otlp.Decode(body, isJSON)
	if err != nil {
		otlpError(w, isJSON, http.StatusBadRequest, codes.InvalidArgument, err.Error(), 0)
		return
	}
	res := otlp.Convert(req.Metrics())
	if len(res.Samples) == 0 && res.Rejected > 0 {
		// Nothing usable: a permanent error (OTLP/HTTP's 400), not a
		// partial success, so the sender sees it.
		otlpError(w, isJSON, http.StatusBadRequest, codes.InvalidArgument,
			fmt.Sprintf("all %d data points were rejected: %s", res.Rejected, strings.Join(res.Reasons, "; ")), 0)
		return
	}
	if err := stampSampleAccounts(Principal(r), res.Samples); err != nil {
		otlpError(w, isJSON, http.StatusForbidden, codes.PermissionDenied, err.Error(), 0)
		return
	}
	if err := h.o.Sink.Append(r.Context(), res.Samples); err != nil {
		var oe *ingest.OverloadedError
		var tl *watch.BatchTooLargeError
		var sl *watch.SeriesLimitError
		switch {
		case errors.As(err, &sl):
			otlpError(w, isJSON, http.StatusBadRequest, codes.InvalidArgument, sl.Error()+"; nothing from this request was accepted", 0)
		case errors.As(err, &oe):
			otlpError(w, isJSON, http.StatusTooManyRequests, codes.Unavailable, oe.Error()+"; nothing from this request was accepted", oe.RetryAfter)
		case errors.As(err, &tl):
			otlpError(w, isJSON, http.StatusRequestEntityTooLarge, codes.InvalidArgument, tl.Error(), 0)
		case errors.Is(err, watch.ErrStopped):
			otlpError(w, isJSON, http.StatusServiceUnavailable, codes.Unavailable, "tend is shutting down; nothing from this request was accepted", 5*time.Second)
		default:
			loggerFrom(r.Context()).ErrorContext(r.Context(), "otlp ingest failed", "err", err)
			otlpError(w, isJSON, http.StatusInternalServerError, codes.Internal, "internal error", 0)
		}
		return
	}
	resp := pmetricotlpResponse(res)
	var out []byte
	if isJSON {
		out, err = resp.MarshalJSON()
	} else {
		out, err = resp.MarshalProto()
	}
	if err != nil {
		WriteError(w, r, fmt.Errorf("encode OTLP response: %w", err))
		return
	}
	w.Header().Set("Content-Type", mt)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
}

var errTooLarge = errors.New("too large")

// gunzip decompresses a gzip body, refusing more than max bytes.
func gunzip(body []byte, max int) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("body is not gzip data: %v", err)
	}
	// A single-member gzip ends with its decompressed size mod 2³²
	// (ISIZE): a bomb that says so is refused before it is inflated; one
	// that lies is stopped at max. The size also sizes the buffer.
	size := max
	if n := len(body); n >= 18 {
		isize := int64(binary.LittleEndian.Uint32(body[n-4:]))
		if isize > int64(max) {
			return nil, fmt.Errorf("body decompresses to %d bytes, more than the limit of %d bytes (ingest.max_decoded_bytes): %w", isize, max, errTooLarge)
		}
		size = int(isize)
	}
	// One byte over the hint shows the end without growing; a stream
	// longer than its hint grows once, to the limit, not by doubling
	// (which would leave twice the limit in garbage per bomb).
	out := make([]byte, 0, min(size, max)+1)
	for {
		if len(out) == cap(out) {
			if len(out) > max {
				break
			}
			grown := make([]byte, len(out), max+1)
			copy(grown, out)
			out = grown
		}
		n, err := zr.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("corrupt gzip body: %v", err)
		}
	}
	if len(out) > max {
		return nil, fmt.Errorf("body decompresses to more than the limit of %d bytes (ingest.max_decoded_bytes): %w", max, errTooLarge)
	}
	return out, nil
}

// otlpError answers as OTLP/HTTP requires: the status code and a
// google.rpc.Status body in the request's encoding.
func otlpError(w http.ResponseWriter, isJSON bool, status int, code codes.Code, msg string, retry time.Duration) {
	st := grpcstatus.New(code, msg).Proto()
	var body []byte
	if isJSON {
		body, _ = protojson.Marshal(st)
		w.Header().Set("Content-Type", "application/json")
	} else {
		body, _ = proto.Marshal(st)
		w.Header().Set("Content-Type", "application/x-protobuf")
	}
	if retry > 0 {
		w.Header().Set("Retry-After", retryAfter(retry))
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (h *ingestHandler) listSeries(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sel, err := series.ParseSelector(q.Get("match"))
	if err != nil {
		WriteError(w, r, BadRequest("match", "%v", err))
		return
	}
	limit, offset := 100, 0
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 10000 {
			WriteError(w, r, BadRequest("limit", "must be a whole number from 1 to 10000 (got %q)", v))
			return
		}
	}
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			WriteError(w, r, BadRequest("offset", "must be a whole number ≥ 0 (got %q)", v))
			return
		}
	}
	var items []watch.Status
	var total int
	if p := Principal(r); p.AllAccounts() {
		items, total = h.o.Series.List(sel, offset, limit)
	} else {
		items, total = visibleSeries(p, h.o.Series, sel, offset, limit)
	}
	if items == nil {
		items = []watch.Status{}
	}
	WriteJSON(w, http.StatusOK, SeriesPage{Series: items, Total: total, Offset: offset, Limit: limit})
}

// SeriesPage is the answer of GET /v1/series.
type SeriesPage struct {
	Series []watch.Status `json:"series"`
	Total  int            `json:"total"`
	Offset int            `json:"offset"`
	Limit  int            `json:"limit"`
}
