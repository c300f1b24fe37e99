package sqlstore

import (
	"errors"
	"testing"

	"github.com/tendhq/tend/internal/store"
)

// FuzzDecodeCursor: a cursor from a client either decodes or is refused
// with ErrInvalidCursor; what encodeCursor writes always decodes back.
func FuzzDecodeCursor(f *testing.F) {
	f.Add("MTc2Mzc1NjgwMDAwMDAwMDppbnMtMQ", int64(1763756800000000), "ins-1")
	f.Add("%%%", int64(0), "x")
	f.Add("", int64(-5), "a:b")
	f.Fuzz(func(t *testing.T, c string, us int64, id string) {
		if _, _, err := decodeCursor(c); err != nil && !errors.Is(err, store.ErrInvalidCursor) {
			t.Fatalf("decodeCursor(%q) = %v", c, err)
		}
		if id == "" || us == 0 {
			return
		}
		enc := encodeCursor(store.Insight{ID: id, StartedAt: Time(us)})
		gotUS, gotID, err := decodeCursor(enc)
		if err != nil || gotUS != Micros(Time(us)) || gotID != id {
			t.Fatalf("round trip of (%d, %q) = (%d, %q), %v", us, id, gotUS, gotID, err)
		}
	})
}
