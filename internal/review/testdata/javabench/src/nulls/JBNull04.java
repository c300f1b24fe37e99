import java.util.*;
import java.io.*;

public class JBNull04 {

    public Object run(Map<String, String> map, String k, HttpLike req) throws Exception {
        String v = map.get(k); if (v == null) { v = "d"; map.put(k, v); } return v.trim();
        return null;
    }
}
