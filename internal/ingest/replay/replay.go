// Package replay reads time series from CSV files — NAB's
// timestamp,value files and the like — so a recorded series can be fed
// through tend's ingest path for demos and tests.
//
// A file has a timestamp column and a value column (the first two, unless
// a header names "timestamp" and "value" elsewhere); a header row is
// optional. Timestamps may be NAB's "2006-01-02 15:04:05" (UTC), RFC 3339,
// or Unix time in seconds (with fraction) or milliseconds (13 digits).
package replay

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// Point is one row.
type Point struct {
	TimeMs int64
	Value  float64
}

// Error is a row that cannot be read: the line and what is wrong.
type Error struct {
	Line   int
	Column string
	Reason string
}

func (e *Error) Error() string { return fmt.Sprintf("line %d: %s: %s", e.Line, e.Column, e.Reason) }

// MaxLineBytes bounds a row's length.
const MaxLineBytes = 64 << 10

// Read calls fn for each row of the CSV in r, in file order. It stops at
// the first malformed row with an *Error naming the line.
func Read(r io.Reader, fn func(Point) error) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	cr.TrimLeadingSpace = true
	tcol, vcol := 0, 1
	first := true
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return &Error{Line: pe.Line, Column: "row", Reason: pe.Err.Error()}
			}
			return fmt.Errorf("read CSV: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if first {
			first = false
			if t, v, ok := header(rec); ok {
				tcol, vcol = t, v
				continue
			}
		}
		if len(rec) <= max(tcol, vcol) {
			return &Error{Line: line, Column: "row", Reason: fmt.Sprintf("has %d columns, want a timestamp and a value", len(rec))}
		}
		if len(rec[tcol])+len(rec[vcol]) > MaxLineBytes {
			return &Error{Line: line, Column: "row", Reason: "is too long"}
		}
		ms, err := ParseTime(rec[tcol])
		if err != nil {
			return &Error{Line: line, Column: "timestamp", Reason: err.Error()}
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(rec[vcol]), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return &Error{Line: line, Column: "value", Reason: fmt.Sprintf("%q is not a finite number", rec[vcol])}
		}
		if err := fn(Point{TimeMs: ms, Value: v}); err != nil {
			return err
		}
	}
}

// header recognises a header row: no field parses as a number or time.
func header(rec []string) (tcol, vcol int, ok bool) {
	for _, f := range rec {
		if _, err := strconv.ParseFloat(strings.TrimSpace(f), 64); err == nil {
			return 0, 1, false
		}
		if _, err := ParseTime(f); err == nil {
			return 0, 1, false
		}
	}
	tcol, vcol = 0, 1
	for i, f := range rec {
		switch strings.ToLower(strings.TrimSpace(f)) {
		case "timestamp", "time", "ts", "date":
			tcol = i
		case "value", "val", "y":
			vcol = i
		}
	}
	return tcol, vcol, true
}

var layouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05", "2006-01-02"}

// ParseTime reads a timestamp: RFC 3339, "2006-01-02 15:04:05" (UTC),
// Unix seconds, or Unix milliseconds (13 or more digits).
func ParseTime(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("is empty")
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e15 {
			return 0, fmt.Errorf("%q is not a Unix time", s)
		}
		if f >= 1e11 && !strings.Contains(s, ".") { // milliseconds
			return int64(f), nil
		}
		return int64(math.Round(f * 1000)), nil
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UnixMilli(), nil
		}
	}
	return 0, fmt.Errorf("%q is not a time: use RFC 3339 (2026-01-02T15:04:05Z), 2006-01-02 15:04:05 or Unix seconds", s)
}
