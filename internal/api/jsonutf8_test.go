package api

import "testing"

func TestCheckUTF8NamesTheField(t *testing.T) {
	for _, tt := range []struct{ body, field string }{
		{`{"title":"caf` + "\xc3\x28" + `"}`, "title"},
		{`{"State":"OPEN","ImpactedEntities":[{"type":"HOST"},{"name":"w` + "\xff" + `"}]}`, "ImpactedEntities[1].name"},
		{`{"a":{"b":[1,2,["x` + "\xfe" + `"]]}}`, "a.b[2][0]"},
		{`{"k` + "\xff" + `":1}`, "k\ufffd"}, // the key itself, as the decoder reads it
		{`["ok","` + "\x80" + `"]`, "[1]"},
		{`{"a":` + "\xff", ""}, // malformed before the byte: no field
	} {
		e := checkUTF8([]byte(tt.body))
		if e == nil || e.Status != 400 || e.Field != tt.field {
			t.Errorf("%q: %+v, want a 400 naming %q", tt.body, e, tt.field)
		}
	}
	if e := checkUTF8([]byte(`{"title":"café ☕"}`)); e != nil {
		t.Errorf("valid UTF-8 refused: %v", e)
	}
}

func FuzzJSONPathAt(f *testing.F) {
	f.Add([]byte(`{"a":[{"b":"x"}]}`), 8)
	f.Fuzz(func(t *testing.T, data []byte, off int) {
		_ = jsonPathAt(data, off)
		_ = checkUTF8(data)
	})
}
