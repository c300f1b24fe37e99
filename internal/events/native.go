package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/store"
)

// Native is tend's own event JSON (POST /v1/events): one object or an
// array of them.
//
//	{"time": "2026-11-21T12:05:00Z", "name": "deploy checkout v42", "source": "ci",
//	 "event_class": "DEPLOYMENT", "actor": "alice", "id": "build-1234",
//	 "resources": [{"type": "host", "name": "web-1"}], "stack": "shop",
//	 "links": [{"title": "build", "url": "https://ci.example/1234"}]}
//
// "type" is accepted for "event_class". Unknown fields are rejected.
type Native struct {
	ID          string                `json:"id"`
	Time        string                `json:"time"`
	Source      string                `json:"source"`
	EventSource string                `json:"event_source"`
	Class       string                `json:"event_class"`
	Type        string                `json:"type"`
	Name        string                `json:"name"`
	Actor       string                `json:"actor"`
	Resource    string                `json:"resource"`
	Resources   []store.EventResource `json:"resources"`
	Stack       string                `json:"stack"`
	App         string                `json:"app"`
	Namespace   string                `json:"namespace"`
	Account     string                `json:"account"`
	Region      string                `json:"region"`
	Links       []store.Link          `json:"links"`
	Details     map[string]string     `json:"details"`
}

// ParseNative reads tend's event JSON.
func ParseNative(body []byte, scope Scope, now time.Time) ([]store.Event, error) {
	body = bytes.TrimSpace(body)
	var list []Native
	if len(body) > 0 && body[0] == '[' {
		if err := strictJSON(body, &list); err != nil {
			return nil, err
		}
		if len(list) == 0 {
			return nil, fieldErr("", "the array holds no event")
		}
	} else {
		var one Native
		if err := strictJSON(body, &one); err != nil {
			return nil, err
		}
		list = []Native{one}
	}
	if len(list) > MaxPerRequest {
		return nil, fieldErr("", "at most %d events per request (got %d)", MaxPerRequest, len(list))
	}
	out := make([]store.Event, 0, len(list))
	for i, n := range list {
		field := ""
		if len(list) > 1 || body[0] == '[' {
			field = fmt.Sprintf("[%d]", i)
		}
		at := func(name string) string {
			if field == "" {
				return name
			}
			return field + "." + name
		}
		if n.Time == "" {
			return nil, fieldErr(at("time"), "is required: an RFC 3339 time such as 2026-11-21T15:04:05Z")
		}
		t, err := time.Parse(time.RFC3339Nano, n.Time)
		if err != nil {
			return nil, fieldErr(at("time"), "%q is not an RFC 3339 time such as 2026-11-21T15:04:05Z", n.Time)
		}
		class := strings.ToUpper(n.Class)
		if class == "" {
			class = strings.ToUpper(n.Type)
		}
		ev := store.Event{Key: n.ID, Time: t, Source: "api", EventSource: n.EventSource, Class: class, Name: n.Name, Actor: n.Actor,
			Resources: n.Resources, Stack: n.Stack, App: n.App, Namespace: n.Namespace, Account: n.Account, Region: n.Region,
			Links: n.Links, Details: n.Details}
		if n.Source != "" {
			ev.EventSource = strings.TrimSpace(n.Source + " " + n.EventSource)
		}
		if n.Resource != "" {
			ev.Resources = append(ev.Resources, store.EventResource{ID: n.Resource, Name: n.Resource})
		}
		scope.apply(&ev)
		if err := finish(&ev, field, now); err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, nil
}

// strictJSON decodes one JSON value, rejecting unknown fields and
// trailing data, with errors that name the field.
func strictJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fieldErr("", "unexpected data after the JSON value")
	}
	return nil
}

// looseJSON decodes one JSON value, ignoring unknown fields (the formats
// of other tools carry many).
func looseJSON(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return jsonError(err)
	}
	return nil
}

func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return fieldErr(te.Field, "must be a JSON %s, got a JSON %s", jsonKind(te.Type.Kind().String()), te.Value)
	case errors.As(err, &se):
		return fieldErr("", "malformed JSON at byte %d: %v", se.Offset, err)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return fieldErr(name, "unknown field")
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fieldErr("", "the body is empty or cut short; send a JSON object")
	}
	return fieldErr("", "%v", err)
}

func jsonKind(k string) string {
	switch k {
	case "slice", "array":
		return "array"
	case "map", "struct":
		return "object"
	case "int", "int64", "float64", "uint64":
		return "number"
	}
	return k
}
