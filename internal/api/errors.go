package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// Error is an API error: an HTTP status and the JSON body
// {"error":{"code":"...","message":"...","field":"..."}}.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

// BadRequest is a 400 naming the field that is wrong and why.
func BadRequest(field, format string, a ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "invalid_request", Field: field, Message: fmt.Sprintf(format, a...)}
}

// NotFound is a 404 for the named thing.
func NotFound(format string, a ...any) *Error {
	return &Error{Status: http.StatusNotFound, Code: "not_found", Message: fmt.Sprintf(format, a...)}
}

// Conflict is a 409.
func Conflict(format string, a ...any) *Error {
	return &Error{Status: http.StatusConflict, Code: "conflict", Message: fmt.Sprintf(format, a...)}
}

// WriteError writes err as a JSON error. An *Error keeps its status; any
// other error is a 500 whose details go to the log, not to the client.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	var e *Error
	if !errors.As(err, &e) {
		loggerFrom(r.Context()).ErrorContext(r.Context(), "request failed", "err", err)
		e = &Error{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error; the server log has the details (search for the request ID " + w.Header().Get("X-Request-ID") + ")"}
	}
	WriteJSON(w, e.Status, map[string]*Error{"error": e})
}

// WriteJSON writes v as JSON with the status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// ReadBody reads the whole request body within the server's size limit,
// returning a 413 *Error when it is larger.
func ReadBody(r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge(mbe.Limit)
		}
		return nil, BadRequest("", "could not read the request body: %v", err)
	}
	return data, nil
}

// DecodeJSON reads a JSON body into v, rejecting unknown fields, trailing
// data and a wrong content type with a 400 that says what is wrong.
func DecodeJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return &Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Message: fmt.Sprintf("Content-Type %q is not JSON: send application/json", ct)}
		}
	}
	data, err := ReadBody(r)
	if err != nil {
		return err
	}
	return UnmarshalStrict(data, v)
}

// UnmarshalStrict decodes JSON into v, naming the field in any error.
func UnmarshalStrict(data []byte, v any) error {
	if len(strings.TrimSpace(string(data))) == 0 {
		return BadRequest("", "the request body is empty: send a JSON object")
	}
	if err := checkUTF8(data); err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return BadRequest("", "the request body has data after the JSON value")
	}
	return nil
}

func jsonError(err error) *Error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return BadRequest("", "malformed JSON at byte %d: %v", se.Offset, se)
	case errors.As(err, &te):
		return BadRequest(te.Field, "must be %s, got a JSON %s", jsonKind(te.Type.Kind().String()), te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return BadRequest("", "malformed JSON: the body ends in the middle of a value")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return BadRequest(f, "unknown field")
	}
	return BadRequest("", "malformed JSON: %v", err)
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	case "bool":
		return "true or false"
	}
	return "a number"
}

func tooLarge(limit int64) *Error {
	return &Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large",
		Message: fmt.Sprintf("request body is larger than the limit of %d bytes (server.max_body_bytes)", limit)}
}
