import java.util.*;
import java.io.*;

public class JBNull10 {

    public Object run(Map<String, String> map, String k, HttpLike req) throws Exception {
        String v = map.get(k); switch (v) { case "a": return 1; default: return 2; }
        return null;
    }
}
