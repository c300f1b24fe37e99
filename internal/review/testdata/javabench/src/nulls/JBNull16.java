import java.util.*;
import java.io.*;

public class JBNull16 {

    public Object run(Map<String, String> map, String k, HttpLike req) throws Exception {
        String v = map.get(k); if (v == null) { System.out.println("missing"); } return v.length();
        return null;
    }
}
