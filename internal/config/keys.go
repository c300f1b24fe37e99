package config

import (
	"reflect"
	"strings"
	"sync"
)

// Leaf is one settable key of the configuration.
type Leaf struct {
	Key   string // dotted YAML path, e.g. server.listen
	Env   string // environment variable, e.g. TEND_SERVER_LISTEN
	Index []int  // field path in Config
	Type  reflect.Type
}

type section struct{ key, goType string }

var (
	leavesOnce sync.Once
	leaves     []Leaf
	sects      []section
)

// Leaves lists every key of Config in declaration order.
func Leaves() []Leaf {
	leavesOnce.Do(func() { walk(reflect.TypeOf(Config{}), "", nil) })
	return leaves
}

func sections() []section {
	Leaves()
	return sects
}

func walk(t reflect.Type, prefix string, index []int) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		key := name
		if prefix != "" {
			key = prefix + "." + name
		}
		idx := append(append([]int(nil), index...), i)
		if f.Type.Kind() == reflect.Struct && f.Type.PkgPath() == t.PkgPath() {
			sects = append(sects, section{key: key, goType: f.Type.Name()})
			walk(f.Type, key, idx)
			continue
		}
		leaves = append(leaves, Leaf{
			Key:   key,
			Env:   EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_")),
			Index: idx,
			Type:  f.Type,
		})
	}
}

func leafByKey(key string) (Leaf, bool) {
	for _, l := range Leaves() {
		if l.Key == key {
			return l, true
		}
	}
	return Leaf{}, false
}
