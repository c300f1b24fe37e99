import java.util.*;
import java.io.*;

public class JBNull14 {

    public Object run(Map<String, String> map, String k, HttpLike req) throws Exception {
        File f = new File(k); return f.getParentFile().getName();
        return null;
    }
}
