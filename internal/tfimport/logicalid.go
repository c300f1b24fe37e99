package tfimport

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode"
)

// maxLogicalID is CloudFormation's limit on a logical ID's length.
const maxLogicalID = 255

// logicalID derives a readable, alphanumeric logical ID from a resource
// address: module steps, the type without "aws_", the name and the
// count/for_each key, each PascalCased. module.app["eu-west"].aws_sqs_queue.jobs[0]
// becomes AppEuWestSqsQueueJobs0.
func logicalID(r Resource) string {
	var b strings.Builder
	for _, m := range r.ModulePath {
		name, key, _ := strings.Cut(m, "[")
		b.WriteString(pascal(name))
		if key != "" {
			b.WriteString(pascal(strings.Trim(strings.TrimSuffix(key, "]"), `"`)))
		}
	}
	b.WriteString(pascal(strings.TrimPrefix(r.Type, "aws_")))
	b.WriteString(pascal(r.Name))
	switch x := r.Index.(type) {
	case int:
		fmt.Fprintf(&b, "%d", x)
	case string:
		b.WriteString(pascal(x))
	}
	id := b.String()
	if id == "" || !isASCIILetter(rune(id[0])) {
		id = "R" + id
	}
	if len(id) > maxLogicalID {
		id = disambiguate(id[:maxLogicalID-9], r.Address)
	}
	return id
}

// disambiguate appends a short hash of the full address, so IDs that
// sanitising made equal (a-b vs a_b) stay distinct and stable.
func disambiguate(id, address string) string {
	sum := sha256.Sum256([]byte(address))
	return id + "X" + strings.ToUpper(hex.EncodeToString(sum[:4]))
}

// pascal splits s on every non-alphanumeric rune and capitalises each part;
// anything outside A-Za-z0-9 is dropped.
func pascal(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		if r > unicode.MaxASCII || !(isASCIILetter(r) || (r >= '0' && r <= '9')) {
			up = true
			continue
		}
		if up {
			b.WriteRune(unicode.ToUpper(r))
			up = false
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isASCIILetter(r rune) bool { return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') }

// ValidLogicalID reports whether s is a valid CloudFormation logical ID.
func ValidLogicalID(s string) bool {
	if s == "" || len(s) > maxLogicalID {
		return false
	}
	for _, r := range s {
		if !(isASCIILetter(r) || (r >= '0' && r <= '9')) {
			return false
		}
	}
	return true
}
