package tfimport

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

func readFixture(t testing.TB, name string) *State {
	t.Helper()
	f, err := os.Open("testdata/states/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := ReadState(f)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestReadStateRejectsBadInput(t *testing.T) {
	full, err := os.ReadFile("testdata/states/full.tfstate")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "the input is empty"},
		{"not json", "provider \"aws\" {}", "not a Terraform state"},
		{"json array", "[1,2]", "not a Terraform state"},
		{"other json", `{"hello":"world"}`, `no "version"`},
		{"version 3", `{"version":3,"modules":[]}`, "unsupported state version 3"},
		{"version 5", `{"version":5,"resources":[]}`, "unsupported state version 5"},
		{"version string", `{"version":"4"}`, "not a state format number"},
		{"truncated", string(full[:len(full)/2]), "truncated"},
		{"syntax", `{"version":4,"resources":[}`, "not valid JSON at line 1"},
		{"wrong type", `{"version":4,"resources":{"a":1}}`, "wrong type"},
		{"plan", `{"format_version":"1.2","planned_values":{}}`, "this is a plan"},
		{"show format 2", `{"format_version":"2.0","values":{}}`, "unsupported state format version"},
		{"bad index", `{"version":4,"resources":[{"mode":"managed","type":"aws_sqs_queue","name":"q","instances":[{"index_key":1.5,"attributes":{}}]}]}`, "not a non-negative integer"},
		{"bad module", `{"version":4,"resources":[{"module":"modul.x","mode":"managed","type":"aws_sqs_queue","name":"q","instances":[]}]}`, `expected "module."`},
		{"no type", `{"version":4,"resources":[{"mode":"managed","name":"q","instances":[]}]}`, "no type or name"},
		{"flatmap", `{"version":4,"resources":[{"mode":"managed","type":"aws_sqs_queue","name":"q","instances":[{"attributes_flat":{"id":"x"}}]}]}`, "flatmap"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadState(strings.NewReader(tt.in))
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrBadState) {
				t.Errorf("error %v does not wrap ErrBadState", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
}

func TestBothStateFormatsReadTheSame(t *testing.T) {
	v4 := readFixture(t, "full.tfstate")
	show := readFixture(t, "full.show.json")
	if v4.Format != "tfstate v4" || show.Format != "show-json 1.0" {
		t.Fatalf("formats %q, %q", v4.Format, show.Format)
	}
	index := func(st *State) map[string]Resource {
		m := map[string]Resource{}
		for _, r := range st.Resources {
			r.Provider = ""
			m[r.Address] = r
		}
		return m
	}
	a, b := index(v4), index(show)
	if len(a) != len(b) || len(a) != len(v4.Resources) {
		t.Fatalf("v4 has %d instances, show -json %d", len(a), len(b))
	}
	for addr, ra := range a {
		rb, ok := b[addr]
		if !ok {
			t.Errorf("%s missing from show -json", addr)
			continue
		}
		if !reflect.DeepEqual(ra, rb) {
			t.Errorf("%s differs:\nv4   %+v\nshow %+v", addr, ra.ModulePath, rb.ModulePath)
		}
	}
}

func TestStateModulesIndexesSensitive(t *testing.T) {
	st := readFixture(t, "full.tfstate")
	byAddr := map[string]Resource{}
	for _, r := range st.Resources {
		byAddr[r.Address] = r
	}
	edge := byAddr[`module.platform.module.network.module.edge["eu"].aws_lb.web`]
	if want := []string{"platform", "network", `edge["eu"]`}; !reflect.DeepEqual(edge.ModulePath, want) {
		t.Errorf("module path %v, want %v", edge.ModulePath, want)
	}
	if r := byAddr["aws_cloudwatch_log_group.app[2]"]; r.Index != 2 {
		t.Errorf("count index %#v", r.Index)
	}
	if r := byAddr[`aws_sqs_queue.jobs["eu-west"]`]; r.Index != "eu-west" {
		t.Errorf("for_each key %#v", r.Index)
	}
	db := byAddr[`module.services["checkout"].aws_db_instance.main`]
	if !reflect.DeepEqual(db.Sensitive, [][]string{{"password"}}) {
		t.Errorf("sensitive paths %v", db.Sensitive)
	}
	if r := byAddr["data.archive_file.default"]; r.Mode != "data" {
		t.Errorf("data source mode %q", r.Mode)
	}
}

func TestSplitModule(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"module.a", []string{"a"}},
		{`module.a["x.y"].module.b[0]`, []string{`a["x.y"]`, "b[0]"}},
		{`module.a["q\"]"].module.c`, []string{`a["q\"]"]`, "c"}},
	}
	for _, tt := range tests {
		got, err := splitModule(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("splitModule(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"module.", "module.a.", `module.a["x`, "resource.a"} {
		if _, err := splitModule(bad); err == nil {
			t.Errorf("splitModule(%q) accepted", bad)
		}
	}
}

// FuzzReadState: any input either parses into well-formed resources or is
// rejected with ErrBadState; it never panics, and conversion of whatever
// parses never panics and yields valid, unique logical IDs.
func FuzzReadState(f *testing.F) {
	// A small real-shaped state keeps each execution (and the minimisation
	// of new inputs) fast; the full fixtures are covered by the golden tests.
	small, err := os.ReadFile("testdata/states/small.tfstate")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(small)
	f.Add(small[:len(small)/2])
	f.Add([]byte(`{"version":4,"resources":[{"module":"module.a[\"k\"]","mode":"managed","type":"aws_sqs_queue","name":"q-1","instances":[{"index_key":"a-b","attributes":{"name":"q","url":"u","tags":{"a":"b"}},"sensitive_attributes":[[{"type":"get_attr","value":"name"}]]}]}]}`))
	f.Add([]byte(`{"format_version":"1.0","values":{"root_module":{"resources":[{"address":"aws_sns_topic.t","mode":"managed","type":"aws_sns_topic","name":"t","values":{"arn":"a"},"sensitive_values":{"arn":true}}]}}}`))
	f.Add([]byte(`{"version":3}`))
	s := mustSchemas(f)
	conv := NewConverter(s, nil)
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := ParseState(b)
		if err != nil {
			if !errors.Is(err, ErrBadState) {
				t.Fatalf("error does not wrap ErrBadState: %v", err)
			}
			return
		}
		for _, r := range st.Resources {
			if r.Type == "" || r.Name == "" || r.Address == "" || r.Attributes == nil {
				t.Fatalf("malformed resource %+v", r)
			}
		}
		res := conv.Convert(st, Options{Description: "fuzz"})
		seen := map[string]bool{}
		for id, r := range res.Template.Resources {
			if !ValidLogicalID(id) || seen[id] {
				t.Fatalf("bad or duplicate logical ID %q", id)
			}
			seen[id] = true
			if r.DeletionPolicy != Retain || r.UpdateReplacePolicy != Retain {
				t.Fatalf("%s not retained", id)
			}
		}
		if len(res.Converted)+len(res.Skipped) != len(st.Resources) {
			t.Fatalf("%d converted + %d skipped != %d read", len(res.Converted), len(res.Skipped), len(st.Resources))
		}
	})
}
