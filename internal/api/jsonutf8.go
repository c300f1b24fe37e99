package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"unicode/utf8"
)

// ReadJSONBody is ReadBody for a JSON body: it also refuses a body that
// is not valid UTF-8 with a 400 naming the field whose text is broken
// (encoding/json would silently replace the bytes with U+FFFD, and the
// mangled text would be stored).
func ReadJSONBody(r *http.Request) ([]byte, error) {
	data, err := ReadBody(r)
	if err != nil {
		return nil, err
	}
	if err := checkUTF8(data); err != nil {
		return nil, err
	}
	return data, nil
}

// checkUTF8 returns nil for valid UTF-8, else a 400 naming the JSON path
// (e.g. ImpactedEntities[0].name) of the value or key that holds the
// first invalid byte.
func checkUTF8(data []byte) *Error {
	if utf8.Valid(data) {
		return nil
	}
	bad := 0
	for bad < len(data) {
		r, n := utf8.DecodeRune(data[bad:])
		if r == utf8.RuneError && n <= 1 {
			break
		}
		bad += n
	}
	return BadRequest(jsonPathAt(data, bad), "is not valid UTF-8 (byte %d of the body): send text as UTF-8", bad)
}

// jsonPathAt returns the path of the JSON token that spans byte offset
// off, or "" when it cannot tell (the JSON is malformed before it).
func jsonPathAt(data []byte, off int) string {
	type frame struct {
		obj     bool
		key     string
		idx     int
		wantKey bool
	}
	var stack []frame
	path := func() string {
		var b []byte
		for _, f := range stack {
			if f.obj {
				if f.key != "" {
					if len(b) > 0 {
						b = append(b, '.')
					}
					b = append(b, f.key...)
				}
			} else {
				b = append(append(append(b, '['), strconv.Itoa(f.idx)...), ']')
			}
		}
		return string(b)
	}
	done := func() { // the current container's value is complete
		if n := len(stack); n > 0 {
			if stack[n-1].obj {
				stack[n-1].wantKey = true
			} else {
				stack[n-1].idx++
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		end := int(dec.InputOffset())
		n := len(stack)
		if s, ok := tok.(string); ok && n > 0 && stack[n-1].obj && stack[n-1].wantKey {
			stack[n-1].key, stack[n-1].wantKey = s, false
			if end > off {
				return path()
			}
			continue
		}
		if end > off {
			return path()
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{obj: true, wantKey: true})
		case json.Delim('['):
			stack = append(stack, frame{})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:n-1]
			done()
		default:
			done()
		}
	}
}
