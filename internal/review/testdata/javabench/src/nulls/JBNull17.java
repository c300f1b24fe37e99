import java.util.*;
import java.io.*;

public class JBNull17 {

    public Object run(Map<String, String> map, String k, HttpLike req) throws Exception {
        String v = map.get(k); if (v == null) throw new IllegalStateException(k); return v.length();
        return null;
    }
}
