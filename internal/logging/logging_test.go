package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestRequestIDAndFormats(t *testing.T) {
	var buf bytes.Buffer
	log, err := New(&buf, "info", "json")
	if err != nil {
		t.Fatal(err)
	}
	ctx := WithRequestID(context.Background(), "abc")
	log.InfoContext(ctx, "hello", "k", 1)
	log.DebugContext(ctx, "hidden")
	log.With("component", "x").InfoContext(ctx, "with")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2 (debug filtered): %s", len(lines), buf.String())
	}
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil || rec["request_id"] != "abc" {
			t.Fatalf("line %s lacks request_id", l)
		}
	}
	buf.Reset()
	log, _ = New(&buf, "debug", "auto") // a buffer is not a terminal → JSON
	log.Debug("d")
	if !strings.HasPrefix(buf.String(), "{") {
		t.Fatalf("auto format on a non-terminal = %q, want JSON", buf.String())
	}
	if _, err := New(&buf, "loud", "json"); err == nil {
		t.Fatal("bad level accepted")
	}
	if _, err := New(&buf, "info", "xml"); err == nil {
		t.Fatal("bad format accepted")
	}
}
