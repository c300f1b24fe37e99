package config

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// MaxFileBytes bounds the size of a config file.
const MaxFileBytes = 4 << 20

// EnvPrefix starts every environment variable tend reads.
const EnvPrefix = "TEND_"

// Sources are the inputs Load merges over Default(), lowest precedence first.
type Sources struct {
	// File is the YAML file's path; empty for none.
	File string
	// Env looks up environment variables (os.LookupEnv in production).
	Env func(string) (string, bool)
	// Flags maps config keys to the raw values of flags the user set.
	Flags map[string]string
	// FlagNames maps config keys to the flag that set them, for messages.
	FlagNames map[string]string
}

// Error lists every problem found while loading; it prints one per line.
type Error struct{ Problems []string }

func (e *Error) Error() string { return strings.Join(e.Problems, "\n") }

// Load builds the configuration from defaults, file, environment and flags,
// then validates it. Every problem is reported, each with its origin.
func Load(src Sources) (*Config, error) {
	cfg := Default()
	origin := map[string]string{} // key → where its value came from
	var nodes *yaml.Node
	var problems []string

	if src.File != "" {
		n, errs := decodeFile(src.File, &cfg)
		if len(errs) > 0 {
			return nil, &Error{Problems: errs}
		}
		nodes = n
		for _, l := range Leaves() {
			if line := lineOf(nodes, l.Key); line > 0 {
				origin[l.Key] = fmt.Sprintf("%s:%d", src.File, line)
			}
		}
	}
	v := reflect.ValueOf(&cfg).Elem()
	if src.Env != nil {
		for _, l := range Leaves() {
			raw, ok := src.Env(l.Env)
			if !ok {
				continue
			}
			if err := setRaw(v.FieldByIndex(l.Index), raw); err != nil {
				problems = append(problems, fmt.Sprintf("environment variable %s: %v", l.Env, err))
				continue
			}
			origin[l.Key] = "environment variable " + l.Env
		}
	}
	for key, raw := range src.Flags {
		l, ok := leafByKey(key)
		if !ok {
			problems = append(problems, fmt.Sprintf("flag for unknown config key %q", key))
			continue
		}
		name := "--" + key
		if n, ok := src.FlagNames[key]; ok {
			name = "--" + n
		}
		if err := setRaw(v.FieldByIndex(l.Index), raw); err != nil {
			problems = append(problems, fmt.Sprintf("flag %s: %v", name, err))
			continue
		}
		origin[l.Key] = "flag " + name
	}
	if len(problems) > 0 {
		return nil, &Error{Problems: problems}
	}
	if err := resolveSecretFiles(&cfg, origin); err != nil {
		problems = append(problems, err.Error())
	}
	for _, fe := range cfg.Validate() {
		where := origin[fe.Key]
		if line := lineOf(nodes, fe.Key); where == "" && line > 0 {
			where = fmt.Sprintf("%s:%d", src.File, line) // a key inside a list (notify.channels[2].url)
		}
		if where == "" {
			where = "default"
		}
		problems = append(problems, fmt.Sprintf("%s: %s: %s", where, fe.Key, fe.Reason))
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, &Error{Problems: problems}
	}
	return &cfg, nil
}

// decodeFile reads and strictly decodes a YAML file over cfg.
func decodeFile(path string, cfg *Config) (*yaml.Node, []string) {
	f, err := os.Open(path)
	if err != nil {
		return nil, []string{fmt.Sprintf("read config file: %v", err)}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, []string{fmt.Sprintf("read config file %s: %v", path, err)}
	}
	if len(data) > MaxFileBytes {
		return nil, []string{fmt.Sprintf("%s: config file is larger than %d bytes", path, MaxFileBytes)}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, []string{yamlProblem(path, err.Error())}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return &root, nil
	}
	if len(root.Content) > 0 && root.Content[0].Kind != yaml.MappingNode {
		return nil, []string{fmt.Sprintf("%s:%d: the config file must be a YAML mapping of keys to values", path, root.Content[0].Line)}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			var out []string
			for _, e := range te.Errors {
				out = append(out, yamlProblem(path, e))
			}
			return nil, out
		}
		return nil, []string{yamlProblem(path, err.Error())}
	}
	return &root, nil
}

var (
	yamlLine    = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	yamlUnknown = regexp.MustCompile(`^field (\S+) not found in type (?:config|notify)\.(\w+)$`)
	yamlType    = regexp.MustCompile("^cannot unmarshal !!(\\w+) `(.*)` into (.+)$")
)

// yamlProblem turns a yaml.v3 message into "file:line: reason" in plain words.
func yamlProblem(path, msg string) string {
	m := yamlLine.FindStringSubmatch(msg)
	if m == nil {
		return fmt.Sprintf("%s: %s", path, strings.TrimPrefix(msg, "yaml: "))
	}
	line, reason := m[1], m[2]
	if u := yamlUnknown.FindStringSubmatch(reason); u != nil {
		section := sectionName(u[2])
		reason = fmt.Sprintf("unknown key %q%s; see docs/configuration.md for the keys tend knows", u[1], section)
	} else if t := yamlType.FindStringSubmatch(reason); t != nil {
		reason = fmt.Sprintf("%q is not a valid %s", t[2], friendlyType(t[3]))
	}
	return fmt.Sprintf("%s:%s: %s", path, line, reason)
}

func sectionName(goType string) string {
	for _, l := range sections() {
		if l.goType == goType {
			return fmt.Sprintf(" in %s", l.key)
		}
	}
	return ""
}

func friendlyType(goType string) string {
	switch goType {
	case "time.Duration":
		return "duration (use e.g. 10s, 5m, 1h)"
	case "int", "int64", "int32", "uint", "uint64":
		return "whole number"
	case "float64":
		return "number"
	case "bool":
		return "boolean (true or false)"
	case "string", "config.Secret":
		return "string"
	}
	if strings.HasPrefix(goType, "[]") {
		return "list"
	}
	return "mapping of keys to values"
}

// setRaw parses a string from the environment or a flag into a field.
func setRaw(f reflect.Value, raw string) error {
	switch {
	case f.Type() == reflect.TypeOf(time.Duration(0)):
		d, err := time.ParseDuration(raw)
		if err != nil {
			return fmt.Errorf("%q is not a duration (use e.g. 10s, 5m, 1h)", raw)
		}
		f.SetInt(int64(d))
	case f.CanAddr() && f.Addr().Type().Implements(reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem()):
		if err := f.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(raw)); err != nil {
			return err
		}
	case f.Kind() == reflect.String:
		f.SetString(raw)
	case f.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("%q is not true or false", raw)
		}
		f.SetBool(b)
	case f.Kind() >= reflect.Int && f.Kind() <= reflect.Int64:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", raw)
		}
		f.SetInt(n)
	case f.Kind() == reflect.Float64:
		x, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", raw)
		}
		f.SetFloat(x)
	case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Struct:
		// A list of records (notify.channels) is JSON in the environment.
		if err := json.Unmarshal([]byte(raw), f.Addr().Interface()); err != nil {
			return fmt.Errorf("must be a JSON list: %v", err)
		}
	case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String:
		var items []string
		for _, s := range strings.Split(raw, ",") {
			if s = strings.TrimSpace(s); s != "" {
				items = append(items, s)
			}
		}
		f.Set(reflect.ValueOf(items).Convert(f.Type()))
	default:
		return fmt.Errorf("cannot be set from a string (type %s)", f.Type())
	}
	return nil
}

// resolveSecretFiles reads every "<key>_file" that is set into its Secret
// sibling "<key>". Setting both is an error.
func resolveSecretFiles(cfg *Config, origin map[string]string) error {
	v := reflect.ValueOf(cfg).Elem()
	var problems []string
	for _, l := range Leaves() {
		if !strings.HasSuffix(l.Key, "_file") {
			continue
		}
		target, ok := leafByKey(strings.TrimSuffix(l.Key, "_file"))
		if !ok || target.Type != reflect.TypeOf(Secret("")) {
			continue
		}
		path := v.FieldByIndex(l.Index).String()
		if path == "" {
			continue
		}
		if v.FieldByIndex(target.Index).String() != "" {
			problems = append(problems, fmt.Sprintf("%s and %s are both set: set only one", target.Key, l.Key))
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: read secret file: %v", l.Key, err))
			continue
		}
		v.FieldByIndex(target.Index).SetString(strings.TrimRight(string(data), "\r\n"))
		origin[target.Key] = origin[l.Key]
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "\n"))
	}
	return nil
}

// lineOf finds the line of a dotted key in a decoded YAML document.
func lineOf(root *yaml.Node, key string) int {
	if root == nil || len(root.Content) == 0 {
		return 0
	}
	n := root.Content[0]
	parts := strings.Split(key, ".")
	for i, p := range parts {
		// A part may index a list: channels[2] (the item's line when it
		// is the last part).
		idx := -1
		if open := strings.IndexByte(p, '['); open > 0 && strings.HasSuffix(p, "]") {
			k, err := strconv.Atoi(p[open+1 : len(p)-1])
			if err != nil {
				return 0
			}
			p, idx = p[:open], k
		}
		if n.Kind != yaml.MappingNode {
			return 0
		}
		found := false
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value == p {
				if i == len(parts)-1 && idx < 0 {
					return n.Content[j].Line
				}
				n, found = n.Content[j+1], true
				break
			}
		}
		if !found {
			return 0
		}
		if idx >= 0 {
			if n.Kind != yaml.SequenceNode || idx >= len(n.Content) {
				return 0
			}
			n = n.Content[idx]
			if i == len(parts)-1 {
				return n.Line
			}
		}
	}
	return 0
}
