package triage

import (
	"github.com/valyala/fastjson"
)

var getParsers fastjson.ParserPool

// getPath resolves a dotted path in a JSON document. See Event.Get.
func getPath(raw []byte, path string) []Value {
	p := getParsers.Get()
	defer getParsers.Put(p)
	v, err := p.ParseBytes(raw)
	if err != nil {
		return nil
	}
	return resolve(v, path, nil, 0)
}

// resolve appends to out every value reached by following path from v.
// At an object, a key may consume one or several path segments, so nested
// objects, dotted keys and mixtures all resolve. Arrays are transparent:
// the rest of the path applies to each element, as Elasticsearch flattens
// arrays of objects.
func resolve(v *fastjson.Value, path string, out []Value, depth int) []Value {
	if depth > maxDepth {
		return out
	}
	switch v.Type() {
	case fastjson.TypeArray:
		arr, _ := v.Array()
		for _, e := range arr {
			out = resolve(e, path, out, depth+1)
		}
		return out
	case fastjson.TypeObject:
		if path == "" {
			return append(out, Value{Kind: KindObject, Str: v.String()})
		}
		o, _ := v.Object()
		o.Visit(func(k []byte, child *fastjson.Value) {
			switch {
			case string(k) == path:
				out = resolve(child, "", out, depth+1)
			case len(k) < len(path) && path[len(k)] == '.' && path[:len(k)] == string(k):
				out = resolve(child, path[len(k)+1:], out, depth+1)
			}
		})
		return out
	}
	if path != "" || v.Type() == fastjson.TypeNull {
		return out // Elasticsearch indexes a null as no value at all
	}
	return append(out, scalarValue(v))
}

func scalarValue(v *fastjson.Value) Value {
	switch v.Type() {
	case fastjson.TypeString:
		return Value{Kind: KindString, Str: string(v.GetStringBytes())}
	case fastjson.TypeNumber:
		return Value{Kind: KindNumber, Str: v.String(), Num: v.GetFloat64()}
	case fastjson.TypeTrue:
		return Value{Kind: KindBool, Str: "true", Bool: true}
	default: // false; resolve never passes null here
		return Value{Kind: KindBool, Str: "false"}
	}
}
