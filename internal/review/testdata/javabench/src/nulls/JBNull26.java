import java.util.*;
import java.io.*;

public class JBNull26 {

    public Object run(Map<String, String> map, String k, HttpLike req) throws Exception {
        String v = map.get(k); if (v == null) { return "none"; } else { return v.trim(); }
        return null;
    }
}
