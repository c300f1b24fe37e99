import java.util.*;
import java.io.*;

public class JBNull15 {

    public Object run(Map<String, String> map, String k, HttpLike req) throws Exception {
        String v = map.get(k); if (v != null && !v.isEmpty()) { return v.charAt(0); } return null;
        return null;
    }
}
