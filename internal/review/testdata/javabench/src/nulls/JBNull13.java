import java.util.*;
import java.io.*;

public class JBNull13 {

    public Object run(Map<String, String> map, String k, HttpLike req) throws Exception {
        String v = map.get(k); return "a".equals(v);
        return null;
    }
}
