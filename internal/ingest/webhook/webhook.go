// Package webhook turns the problem notifications that monitoring systems
// send into tend's problem.Problem: Dynatrace's custom-payload webhook (the
// seed's three fields or the rich one), Prometheus Alertmanager's webhook
// (payload version 4) and tend's own JSON. Parsers never trust their input:
// every missing or invalid field is reported as a *problem.FieldError naming
// it, and malformed JSON as a *SyntaxError.
package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tendhq/tend/internal/problem"
)

// SyntaxError is a body that is not the JSON the parser expects.
type SyntaxError struct{ Reason string }

func (e *SyntaxError) Error() string { return "malformed JSON: " + e.Reason }

// decode unmarshals one JSON value, rejecting trailing data. strict rejects
// unknown fields too.
func decode(body []byte, v any, strict bool) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return &SyntaxError{Reason: "the body is empty: send a JSON object"}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return &problem.FieldError{Field: te.Field, Reason: fmt.Sprintf("must be a JSON %s, got %s", kind(te.Type.Kind().String()), te.Value)}
		}
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return &problem.FieldError{Field: strings.Trim(f, `"`), Reason: "unknown field"}
		}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return &SyntaxError{Reason: fmt.Sprintf("at byte %d: %v", se.Offset, se)}
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return &SyntaxError{Reason: "the body ends in the middle of a value"}
		}
		return &SyntaxError{Reason: err.Error()}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &SyntaxError{Reason: "data after the JSON value"}
	}
	return nil
}

func kind(k string) string {
	switch k {
	case "string":
		return "string"
	case "slice", "array":
		return "array"
	case "map", "struct":
		return "object"
	case "bool":
		return "boolean"
	}
	return "number"
}

// flexString accepts a JSON string or number (Dynatrace placeholders are
// sometimes left unquoted in custom payloads: "PID": {PID}).
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	if string(b) == "null" {
		*f = ""
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("must be a string or a number")
	}
	*f = flexString(n.String())
	return nil
}

// Native parses tend's own problem JSON (the problem.Problem shape),
// strictly: unknown fields are errors. Source defaults to "api".
func Native(body []byte) (problem.Problem, error) {
	var p problem.Problem
	if err := decode(body, &p, true); err != nil {
		return p, err
	}
	if p.Source == "" {
		p.Source = problem.SourceAPI
	}
	p.State = problem.State(strings.ToUpper(string(p.State)))
	if err := p.Validate(); err != nil {
		return p, err
	}
	return p, nil
}
