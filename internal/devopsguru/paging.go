package devopsguru

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"regexp"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/store"
)

// Paging: the model's NextToken is a UUID (36 characters, lowercase hex).
// tend's token is stateless, so any replica can continue a listing: its 16
// bytes are the start time (Unix microseconds) of the last item returned
// and 8 bytes of the SHA-256 of the query and that item's id. The next page
// reads from that start time down (lists are newest first), skipping items
// up to and including the one named.

var uuidPattern = regexp.MustCompile(`^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$`)

type pageToken struct {
	micros int64
	hash   [8]byte
}

func itemHash(sig, id string) [8]byte {
	s := sha256.Sum256([]byte(sig + "\x00" + id))
	var h [8]byte
	copy(h[:], s[:8])
	return h
}

func encodeToken(sig, id string, start time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(start.UnixMicro()))
	h := itemHash(sig, id)
	copy(b[8:], h[:])
	return formatUUID(b)
}

func decodeToken(tok string) (pageToken, *Error) {
	if !uuidPattern.MatchString(tok) {
		return pageToken{}, invalid("NextToken", "Member must satisfy regular expression pattern: ^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$")
	}
	raw, err := hex.DecodeString(strings.ReplaceAll(tok, "-", ""))
	if err != nil || len(raw) != 16 {
		return pageToken{}, invalid("NextToken", "is not a token this server issued")
	}
	var t pageToken
	t.micros = int64(binary.BigEndian.Uint64(raw[:8]))
	copy(t.hash[:], raw[8:])
	return t, nil
}

// listQuery is an insight listing: a store filter, a predicate for what
// the store cannot filter, and a signature of both for the token.
type listQuery struct {
	f    store.InsightFilter
	keep func(store.Insight) bool
	sig  string
}

// pageInsights returns up to max insights of q, newest first, after token,
// and the token of the next page ("" on the last).
func (h *Handler) pageInsights(ctx context.Context, q listQuery, max int, token string) ([]store.Insight, string, *Error) {
	f := q.f
	var tok pageToken
	skipping := false
	if token != "" {
		t, e := decodeToken(token)
		if e != nil {
			return nil, "", e
		}
		tok, skipping = t, true
		upTo := time.UnixMicro(t.micros + 1)
		if f.To.IsZero() || upTo.Before(f.To) {
			f.To = upTo
		}
	}
	// Read what the page needs (and one more, to know whether another
	// follows, and one the token names); more when a predicate drops rows.
	f.Limit = max + 2
	if q.keep != nil {
		f.Limit = 500
	}
	var out []store.Insight
	for {
		page, err := h.o.Store.Insights().List(ctx, f)
		if err != nil {
			h.log.ErrorContext(ctx, "list insights", "err", err)
			return nil, "", internal()
		}
		for _, in := range page.Insights {
			if skipping {
				if in.StartedAt.UnixMicro() == tok.micros {
					if itemHash(q.sig, in.ID) == tok.hash {
						skipping = false
					}
					continue
				}
				return nil, "", invalid("NextToken", "is not a token this server issued for this query: pass the NextToken of the previous page with the same filters")
			}
			if q.keep != nil && !q.keep(in) {
				continue
			}
			out = append(out, in)
			if len(out) > max {
				last := out[max-1]
				return out[:max], encodeToken(q.sig, last.ID, last.StartedAt), nil
			}
		}
		if page.Next == "" {
			break
		}
		f.Cursor = page.Next
	}
	if skipping {
		return nil, "", invalid("NextToken", "is not a token this server issued for this query: pass the NextToken of the previous page with the same filters")
	}
	return out, "", nil
}

// offsetPage pages a list that is not ordered by time (channels, stacks,
// monitored resources): the token's first 8 bytes are the offset.
func offsetPage[T any](list []T, max int, sig, token string) ([]T, string, *Error) {
	off := 0
	if token != "" {
		t, e := decodeToken(token)
		if e != nil {
			return nil, "", e
		}
		if itemHash(sig, "") != t.hash || t.micros < 0 || t.micros > int64(len(list)) {
			return nil, "", invalid("NextToken", "is not a token this server issued for this query")
		}
		off = int(t.micros)
	}
	end := off + max
	if end >= len(list) {
		return list[off:], "", nil
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(end))
	hh := itemHash(sig, "")
	copy(b[8:], hh[:])
	return list[off:end], formatUUID(b), nil
}
