package dynatracetest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// These tests check the fake's wire shapes with plain HTTP, independent of
// tend's client.
func get(t *testing.T, f *Fake, path, token string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, f.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Api-Token "+token)
	}
	resp, err := f.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: not JSON: %s", path, b)
	}
	return resp.StatusCode, m
}

func TestFakeWireShapes(t *testing.T) {
	f := NewFake()
	defer f.Close()
	f.AddProblem(CPUSaturation("P1", "P-1", "HOST-1", "h"))
	for i := range 3 {
		f.AddComment("P1", Comment{CreatedAtTimestamp: int64(i), Content: "c"})
	}
	f.PageSize = 2

	status, m := get(t, f, "/api/v2/problems/P1", "")
	if status != 401 || m["error"].(map[string]any)["code"].(float64) != 401 {
		t.Errorf("no token: %d %v", status, m)
	}
	status, m = get(t, f, "/api/v2/problems/P1", Token)
	ev := m["evidenceDetails"].(map[string]any)["details"].([]any)[0].(map[string]any)
	if status != 200 || m["problemId"] != "P1" || ev["eventType"] != "CPU_SATURATION" || ev["evidenceType"] != "EVENT" {
		t.Errorf("problem: %d %v", status, m)
	}
	rc := m["rootCauseEntity"].(map[string]any)["entityId"].(map[string]any)
	if rc["id"] != "HOST-1" || rc["type"] != "HOST" {
		t.Errorf("rootCauseEntity = %v", rc)
	}
	status, m = get(t, f, "/api/v2/problems/P1/comments", Token)
	key, _ := m["nextPageKey"].(string)
	if status != 200 || m["totalCount"].(float64) != 3 || len(m["comments"].([]any)) != 2 || key == "" {
		t.Fatalf("page 1: %d %v", status, m)
	}
	status, m = get(t, f, "/api/v2/problems/P1/comments?nextPageKey="+key, Token)
	if status != 200 || len(m["comments"].([]any)) != 1 || m["nextPageKey"] != nil {
		t.Errorf("page 2: %d %v", status, m)
	}
	status, m = get(t, f, "/api/v2/problems/P1/comments?pageSize=5&nextPageKey="+key, Token)
	if status != 400 || !strings.Contains(m["error"].(map[string]any)["message"].(string), "nextPageKey") {
		t.Errorf("nextPageKey with pageSize: %d %v", status, m)
	}
	if !f.SetStatus("P1", "CLOSED") || f.SetStatus("NOPE", "CLOSED") {
		t.Error("SetStatus")
	}
	if _, m = get(t, f, "/api/v2/problems/P1", Token); m["status"] != "CLOSED" {
		t.Errorf("status after SetStatus = %v", m["status"])
	}
	status, _ = get(t, f, "/api/v2/problems/NOPE", Token)
	if status != 404 {
		t.Errorf("unknown problem: %d", status)
	}
}
