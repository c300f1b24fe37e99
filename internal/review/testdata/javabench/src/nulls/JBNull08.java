import java.util.*;
import java.io.*;

public class JBNull08 {

    public Object run(Map<String, String> map, String k, HttpLike req) throws Exception {
        Map<String, Integer> m = new HashMap<>(); Integer c = m.getOrDefault(k, 0); int total = c + 1; return total;
        return null;
    }
}
