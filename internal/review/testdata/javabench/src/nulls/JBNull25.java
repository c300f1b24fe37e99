import java.util.*;
import java.io.*;

public class JBNull25 {

    public Object run(Map<String, String> map, String k, HttpLike req) throws Exception {
        Object o = map.get(k); String s = o.toString(); return s;
        return null;
    }
}
