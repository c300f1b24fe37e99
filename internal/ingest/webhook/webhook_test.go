package webhook

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/problem"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares v, as indented JSON, with testdata/name.golden.
func golden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if strings.TrimSpace(string(want)) != strings.TrimSpace(string(got)) {
		t.Fatalf("%s differs:\n%s", path, got)
	}
}

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDynatraceGolden(t *testing.T) {
	for _, name := range []string{"dynatrace_seed", "dynatrace_rich"} {
		t.Run(name, func(t *testing.T) {
			p, err := Dynatrace(read(t, name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name, p)
		})
	}
}

func TestAlertmanagerGolden(t *testing.T) {
	ps, err := Alertmanager(read(t, "alertmanager.json"))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "alertmanager", ps)
}

func TestDynatraceVariants(t *testing.T) {
	for _, tc := range []struct {
		name, body, field string
		check             func(problem.Problem) bool
	}{
		{"unquoted PID", `{"State":"OPEN","PID":12345}`, "", func(p problem.Problem) bool { return p.ExternalID == "12345" }},
		{"quoted entities", `{"State":"OPEN","PID":"1","ImpactedEntities":"[{\"type\":\"HOST\",\"name\":\"h\",\"entity\":\"HOST-1\"}]"}`, "",
			func(p problem.Problem) bool { return len(p.Entities) == 1 && p.Entities[0].ID == "HOST-1" }},
		{"quoted details", `{"State":"OPEN","PID":"1","ProblemDetailsJSON":"{\"rankedEvents\":[{\"eventType\":\"CPU_SATURATION\",\"entityId\":\"HOST-2\"}]}"}`, "",
			func(p problem.Problem) bool { return p.EventType == "CPU_SATURATION" && p.Entities[0].Type == "HOST" }},
		{"resolved lower case", `{"State":"resolved","PID":"1"}`, "", func(p problem.Problem) bool { return p.State == problem.StateResolved }},
		{"case-insensitive keys", `{"state":"OPEN","pid":"7"}`, "", func(p problem.Problem) bool { return p.ExternalID == "7" }},
		{"missing PID", `{"State":"OPEN"}`, "PID", nil},
		{"empty PID", `{"State":"OPEN","PID":"  "}`, "PID", nil},
		{"missing State", `{"PID":"1"}`, "State", nil},
		{"bad State", `{"PID":"1","State":"BROKEN"}`, "State", nil},
		{"entities not a list", `{"PID":"1","State":"OPEN","ImpactedEntities":{"a":1}}`, "ImpactedEntities", nil},
		{"entity without id", `{"PID":"1","State":"OPEN","ImpactedEntities":[{"type":"HOST"}]}`, "ImpactedEntities[0].entity", nil},
		{"details not an object", `{"PID":"1","State":"OPEN","ProblemDetailsJSON":[1]}`, "ProblemDetailsJSON", nil},
		{"title a number", `{"PID":"1","State":"OPEN","ProblemTitle":5}`, "ProblemTitle", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Dynatrace([]byte(tc.body))
			if tc.field != "" {
				var fe *problem.FieldError
				if !errors.As(err, &fe) || fe.Field != tc.field {
					t.Fatalf("err = %v, want a field error on %s", err, tc.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(p) {
				t.Fatalf("parsed %+v", p)
			}
		})
	}
}

func TestSyntaxErrors(t *testing.T) {
	for _, body := range []string{``, `   `, `{`, `{"PID":"1"} trailing`, `nope`, `{"State":"OPEN","PID":"1"}{}`} {
		_, err := Dynatrace([]byte(body))
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Dynatrace(%q) = %v, want SyntaxError", body, err)
		}
	}
}

func TestNative(t *testing.T) {
	p, err := Native([]byte(`{"external_id":"i-1","state":"open","event_type":"MEMORY_SATURATION","entities":[{"id":"pod/x"}]}`))
	if err != nil || p.Source != problem.SourceAPI || p.State != problem.StateOpen {
		t.Fatalf("Native = %+v, %v", p, err)
	}
	for body, field := range map[string]string{
		`{"state":"OPEN"}`:                                   "external_id",
		`{"external_id":"a","state":"maybe"}`:                "state",
		`{"external_id":"a","state":"OPEN","x":1}`:           "x",
		`{"external_id":"a","state":"OPEN","entities":[{}]}`: "entities[0].id",
	} {
		_, err := Native([]byte(body))
		var fe *problem.FieldError
		if !errors.As(err, &fe) || fe.Field != field {
			t.Errorf("Native(%s) = %v, want field %s", body, err, field)
		}
	}
}

func TestDigestStable(t *testing.T) {
	a, _ := Dynatrace(read(t, "dynatrace_rich.json"))
	b, _ := Dynatrace(read(t, "dynatrace_rich.json"))
	if a.Digest() != b.Digest() {
		t.Fatal("same payload, different digests")
	}
	b.Title += "!"
	if a.Digest() == b.Digest() {
		t.Fatal("changed payload, same digest")
	}
}

// checkParsed holds for every successfully parsed problem.
func checkParsed(t *testing.T, p problem.Problem) {
	if err := p.Validate(); err != nil {
		t.Fatalf("parser returned an invalid problem: %v (%+v)", err, p)
	}
	if _, err := json.Marshal(p); err != nil {
		t.Fatalf("parsed problem does not encode: %v", err)
	}
}

func FuzzDynatrace(f *testing.F) {
	for _, n := range []string{"dynatrace_seed.json", "dynatrace_rich.json"} {
		b, _ := os.ReadFile(filepath.Join("testdata", n))
		f.Add(b)
	}
	f.Add([]byte(`{"State":"OPEN","PID":1,"ImpactedEntities":"[]","ProblemDetailsJSON":"{}"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := Dynatrace(body)
		if err == nil {
			checkParsed(t, p)
		}
	})
}

func FuzzAlertmanager(f *testing.F) {
	b, _ := os.ReadFile(filepath.Join("testdata", "alertmanager.json"))
	f.Add(b)
	f.Add([]byte(`{"version":"4","alerts":[{"status":"firing","labels":{"alertname":"a"},"fingerprint":"x"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ps, err := Alertmanager(body)
		if err == nil {
			for _, p := range ps {
				checkParsed(t, p)
			}
		}
	})
}

func FuzzNative(f *testing.F) {
	f.Add([]byte(`{"external_id":"i-1","state":"OPEN","entities":[{"id":"h"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := Native(body)
		if err == nil {
			checkParsed(t, p)
		}
	})
}
