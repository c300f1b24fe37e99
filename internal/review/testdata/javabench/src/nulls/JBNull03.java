import java.util.*;
import java.io.*;

public class JBNull03 {

    public Object run(Map<String, String> map, String k, HttpLike req) throws Exception {
        String v = map.get(k); return v.trim();
        return null;
    }
}
